#include "services/sns/delivery.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ids.h"
#include "core/waiter.h"
#include "protocol/wire.h"
#include "services/lambda/api/async_invoker.h"
#include "services/sqs/api/queue_sender.h"
#include "store/fs.h"

namespace nimbus::sns {
namespace asio = boost::asio;
namespace {

constexpr const char* kQueue = "sns";
constexpr int kMaxInFlight = 512;
constexpr size_t kFlushAt = 256;

// AWS's fixed policy for AWS-managed endpoints (SQS, Lambda): 3 immediate retries, 2 one second
// apart, 10 exponential from 1 to 20 s, then 100,000 at 20 s (reference G.4).
RetryPolicy ManagedPolicy() {
  RetryPolicy p;
  p.min_delay_target = 1;
  p.max_delay_target = 20;
  p.num_no_delay_retries = 3;
  p.num_min_delay_retries = 2;
  p.num_max_delay_retries = 100000;
  p.num_retries = 3 + 2 + 10 + 100000;
  p.backoff_function = "exponential";
  return p;
}

// Email: 0 immediate, 2 at 10 s, 10 exponential from 10 to 600 s, 38 at 600 s.
RetryPolicy EmailPolicy() {
  RetryPolicy p;
  p.min_delay_target = 10;
  p.max_delay_target = 600;
  p.num_min_delay_retries = 2;
  p.num_max_delay_retries = 38;
  p.num_retries = 2 + 10 + 38;
  p.backoff_function = "exponential";
  return p;
}

bool IsHttp(const std::string& protocol) { return protocol == "http" || protocol == "https"; }

HttpHeaders SnsHeaders(const std::string& type, const std::string& message_id,
                       const std::string& topic_arn, const std::string& subscription_arn,
                       bool raw) {
  HttpHeaders h;
  h.Add("x-amz-sns-message-type", type);
  h.Add("x-amz-sns-message-id", message_id);
  h.Add("x-amz-sns-topic-arn", topic_arn);
  if (!subscription_arn.empty()) h.Add("x-amz-sns-subscription-arn", subscription_arn);
  if (raw) h.Add("x-amz-sns-rawdelivery", "true");
  h.Add("Content-Type", "text/plain; charset=UTF-8");
  h.Add("User-Agent", "Amazon Simple Notification Service Agent");
  h.Add("Accept-Encoding", "gzip,deflate");
  return h;
}

// The SQS message a delivery of `m` to `queue_arn` sends: `body`, with `m`'s attributes when
// `raw` (String.Array as String, at most 10), and FIFO ids for a FIFO queue.
sqs::OutgoingMessage SqsMessage(const std::string& queue_arn, const PublishedMessage& m,
                                const std::string& body, bool raw) {
  sqs::OutgoingMessage out;
  out.body = body;
  if (raw) {
    for (const auto& [name, a] : m.attributes) {
      if (out.attributes.size() >= 10) break;
      sqs::MessageAttribute attr;
      attr.data_type = a.type.rfind("String.Array", 0) == 0 ? "String" : a.type;
      if (a.type.rfind("Binary", 0) == 0) {
        attr.binary_value = wire::Base64Decode(a.value).value_or("");
      } else {
        attr.string_value = a.value;
      }
      out.attributes[name] = std::move(attr);
    }
  }
  if (queue_arn.size() > 5 && queue_arn.substr(queue_arn.size() - 5) == ".fifo") {
    out.message_group_id = m.group_id.empty() ? "default" : m.group_id;
    out.deduplication_id = m.dedup_id.empty() ? m.id : m.dedup_id;
  }
  return out;
}

}  // namespace

Deliveries::Deliveries(SnsStore& store, store::WorkQueue& queue, const Signer& signer,
                       const Clock& clock, std::shared_ptr<sqs::QueueSender> sqs,
                       DeliveryOptions options)
    : store_(store),
      queue_(queue),
      signer_(signer),
      clock_(clock),
      sqs_(std::move(sqs)),
      options_(std::move(options)) {}

Status Deliveries::EnqueueNotification(const PublishedMessage& m,
                                       const std::vector<SubscriptionRow>& subs) {
  if (subs.empty()) return Status::Ok();
  int64_t now = clock_.NowMillis();
  Status st = store_.db().Transaction([&]() -> Status {
    Status put = store_.PutMessage(m.id, m.ToJson(), static_cast<int>(subs.size()));
    if (!put.ok()) return put;
    for (const SubscriptionRow& sub : subs) {
      Value job{{"k", "n"}, {"m", m.id}, {"s", sub.arn}};
      auto id = queue_.Enqueue(kQueue, job.dump(), now);
      if (!id.ok()) return id.error();
    }
    return Status::Ok();
  });
  return st;
}

Status Deliveries::EnqueueConfirmation(const SubscriptionRow& sub, const std::string& type,
                                       const std::string& base_url, const std::string& timestamp) {
  std::string message_id = NewUuid();
  std::string url = SubscribeUrl(base_url, sub.topic_arn, sub.token);
  std::string text =
      type == "SubscriptionConfirmation"
          ? "You have chosen to subscribe to the topic " + sub.topic_arn +
                ".\nTo confirm the subscription, visit the SubscribeURL included in this message."
          : "You have chosen to deactivate subscription " + sub.arn +
                ".\nTo cancel this operation and restore the subscription, visit the "
                "SubscribeURL included in this message.";
  auto topic = store_.GetTopic(sub.topic_arn);
  std::string version = "1";
  if (topic.ok() && *topic) version = (*topic)->Attr("SignatureVersion", "1");
  std::string to_sign =
      StringToSign(type, text, message_id, nullptr, url, timestamp, sub.token, sub.topic_arn);
  std::string body =
      ConfirmationJson(type, message_id, sub.token, sub.topic_arn, text, url, timestamp, version,
                       signer_.Sign(to_sign, version), CertUrl(base_url));
  Value job{{"k", "c"},          {"t", type},         {"s", sub.arn},
            {"p", sub.protocol}, {"e", sub.endpoint}, {"topic", sub.topic_arn},
            {"id", message_id},  {"body", body}};
  auto id = queue_.Enqueue(kQueue, job.dump(), clock_.NowMillis());
  return id.ok() ? Status::Ok() : id.error();
}

std::string Deliveries::CertUrl(const std::string& base_url) const {
  return (options_.cert_base_url.empty() ? base_url : options_.cert_base_url) + "/" +
         signer_.certificate_name();
}

void Deliveries::Start(asio::io_context& loop) {
  loop_ = &loop;
  wake_ = std::make_shared<Signal>(loop.get_executor());
  queue_.OnChange(kQueue, [wake = wake_] { wake->Notify(); });
  http_ = std::make_unique<HttpClient>(loop, options_.extra_ca_file);
  running_ = 1;
  asio::co_spawn(loop, Run(), asio::detached);
}

void Deliveries::Stop() {
  stopping_ = true;
  queue_.OnChange(kQueue, nullptr);
  Wake();
}

void Deliveries::Wake() {
  if (wake_) wake_->Notify();
}

void Deliveries::FlushDone() {
  if (done_.empty()) return;
  std::vector<std::pair<int64_t, std::string>> batch;
  batch.swap(done_);
  Status st = store_.db().Transaction([&]() -> Status {
    for (const auto& [id, message] : batch) {
      int64_t one[] = {id};
      if (Status c = queue_.Complete(one); !c.ok()) return c;
      if (!message.empty()) {
        if (Status r = store_.ReleaseMessage(message); !r.ok()) return r;
      }
    }
    return Status::Ok();
  });
  (void)st;  // on failure the items stay queued and are delivered again (at least once)
}

asio::awaitable<void> Deliveries::Run() {
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    if (done_.size() >= kFlushAt || (!done_.empty() && now >= flush_by_)) FlushDone();
    size_t claimed = 0;
    if (in_flight_ < kMaxInFlight) {
      auto items = queue_.Claim(kQueue, clock_.NowMillis(), kMaxInFlight - in_flight_);
      if (items.ok()) {
        claimed = items->size();
        for (store::WorkItem& item : *items) {
          ++in_flight_;
          asio::co_spawn(*loop_, Deliver(std::move(item)), asio::detached);
        }
      }
    }
    if (claimed > 0 && in_flight_ < kMaxInFlight) continue;
    // Asleep until the next due item, the flush of finished ones, or a wake-up (new or retried
    // work, a first finished delivery, Stop); a failed read tries again after a second.
    auto next = queue_.NextDue(kQueue);
    auto wake_at = std::chrono::steady_clock::time_point::max();
    if (!next.ok()) {
      wake_at = now + std::chrono::seconds(1);
    } else if (*next && in_flight_ < kMaxInFlight) {
      wake_at = now + std::chrono::milliseconds(std::max<int64_t>(0, **next - clock_.NowMillis()));
    }
    if (!done_.empty()) wake_at = std::min(wake_at, flush_by_);
    co_await wake_->Wait(wake_at);
  }
  FlushDone();
  while (in_flight_ > 0) {
    co_await wake_->Wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(10));
  }
  running_ = 0;
}

void Deliveries::Finish(const store::WorkItem& item, const Value& job) {
  done_.emplace_back(item.id, job.value("k", "") == "n" ? job.value("m", "") : "");
  if (done_.size() == 1) {  // written within 5 ms, with whatever finishes meanwhile
    flush_by_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
    Wake();
  } else if (done_.size() >= kFlushAt) {
    Wake();
  }
}

RetryPolicy Deliveries::PolicyOf(const SubscriptionRow& sub) {
  if (sub.protocol == "sqs" || sub.protocol == "lambda") return ManagedPolicy();
  if (sub.protocol.rfind("email", 0) == 0) return EmailPolicy();
  RetryPolicy p;
  auto topic = store_.GetTopic(sub.topic_arn);
  if (topic.ok() && *topic) {
    std::string tp = (*topic)->Attr("DeliveryPolicy");
    if (!tp.empty()) {
      if (auto parsed = ParseDeliveryPolicy(tp, true, p); parsed.ok()) p = *parsed;
    }
  }
  std::string sp = sub.Attr("DeliveryPolicy");
  if (!sp.empty()) {
    if (auto parsed = ParseDeliveryPolicy(sp, false, p); parsed.ok()) p = *parsed;
  }
  return p;
}

void Deliveries::AfterFailure(const store::WorkItem& item, const Value& job,
                              const SubscriptionRow* sub, const PublishedMessage* m,
                              const std::string& error) {
  int attempts = item.attempts + 1;
  std::optional<double> delay;
  if (sub != nullptr) {
    delay = Subscription(sub->arn).policy.DelayBeforeRetry(attempts);
  } else if (attempts <= 3) {
    delay = 20.0;  // a confirmation for a subscription gone since: AWS's default policy
  }
  if (delay) {
    int64_t ms = static_cast<int64_t>(*delay * 1000.0 / std::max(1, options_.time_divisor));
    Status st = queue_.Retry(item.id, attempts, clock_.NowMillis() + ms);
    (void)st;  // a failed write leaves the item leased until restart: delivered again then
    return;
  }
  // Out of retries: the subscription's dead-letter queue, if any, then done.
  if (sub != nullptr && m != nullptr) {
    Value redrive = Value::parse(sub->Attr("RedrivePolicy"), nullptr, false);
    std::string dlq = redrive.is_object() ? redrive.value("deadLetterTargetArn", "") : "";
    if (!dlq.empty()) {
      bool raw = sub->Attr("RawMessageDelivery") == "true";
      std::string text = m->MessageFor(sub->protocol);
      std::string body = raw ? text
                             : NotificationJson(*m, text, "", CertUrl(m->base_url),
                                                UnsubscribeUrl(m->base_url, sub->arn));
      // Rare (every try failed): a blocking send, not worth a coroutine.
      if (sqs_) (void)sqs_->Send(dlq, SqsMessage(dlq, *m, body, true));
    }
  }
  (void)error;
  Finish(item, job);
}

const Deliveries::CachedSub& Deliveries::Subscription(const std::string& arn) {
  uint64_t version = store_.version();
  if (version != subs_version_ || subs_.size() > 4096) {
    subs_.clear();
    subs_version_ = version;
  }
  auto it = subs_.find(arn);
  if (it != subs_.end()) return it->second;
  CachedSub c;
  auto sub = store_.GetSubscription(arn);
  if (sub.ok() && *sub) {
    c.policy = PolicyOf(**sub);
    c.row = std::move(**sub);
  }
  return subs_[arn] = std::move(c);
}

asio::awaitable<void> Deliveries::Deliver(store::WorkItem item) {
  Value job = Value::parse(item.payload, nullptr, false);
  if (!job.is_object()) {
    Finish(item, Value::object());
    --in_flight_;
    co_return;
  }
  std::string kind = job.value("k", "");
  // A copy: the cache may be cleared while this delivery waits.
  std::optional<SubscriptionRow> sub = Subscription(job.value("s", "")).row;
  if (kind == "c") {
    // A confirmation: to http endpoints as a POST, to email as a mail.
    std::string protocol = job.value("p", ""), endpoint = job.value("e", "");
    std::string body = job.value("body", "");
    Outcome o;
    if (IsHttp(protocol)) {
      // Named locals only around co_await: GCC 12 mishandles temporaries of conditional
      // expressions in a co_await's operands (destroyed twice).
      std::string type = job.value("t", ""), topic_arn = job.value("topic", "");
      std::string message_id = job.value("id", ""), sub_arn;
      if (type == "UnsubscribeConfirmation") sub_arn = job.value("s", "");
      HttpHeaders headers = SnsHeaders(type, message_id, topic_arn, sub_arn, false);
      o = co_await PostHttp(endpoint, headers, body);
    } else {
      Value b = Value::parse(body, nullptr, false);
      std::string text =
          protocol == "email-json"
              ? body
              : (b.is_object() ? b.value("Message", "") + "\n\n" + b.value("SubscribeURL", "")
                               : body);
      o = AppendMail(endpoint, "AWS Notification - Subscription Confirmation", text);
    }
    if (o.ok) {
      Finish(item, job);
    } else {
      AfterFailure(
          item, job,
          sub && job.value("t", "") == "SubscriptionConfirmation" ? &*sub : nullptr,
          nullptr, o.error);
    }
    --in_flight_;
    co_return;
  }
  // A notification: the subscription must still exist and be confirmed.
  if (!sub || !sub->confirmed) {
    Finish(item, job);
    --in_flight_;
    co_return;
  }
  std::string mid = job.value("m", "");
  std::shared_ptr<const PublishedMessage> m;
  if (auto it = messages_.find(mid); it != messages_.end()) {
    m = it->second;
  } else {
    auto text = store_.GetMessage(mid);
    if (text.ok() && *text) {
      if (auto parsed = PublishedMessage::FromJson(**text)) {
        m = std::make_shared<const PublishedMessage>(std::move(*parsed));
        if (messages_.size() > 256) messages_.clear();
        messages_[mid] = m;
      }
    }
  }
  if (m == nullptr) {
    Finish(item, job);
    --in_flight_;
    co_return;
  }
  // throttlePolicy.maxReceivesPerSecond: at most that many tries a second per subscription.
  if (IsHttp(sub->protocol)) {
    RetryPolicy policy = Subscription(sub->arn).policy;
    if (policy.max_receives_per_second) {
      int64_t now = clock_.NowMillis();
      int64_t& next = throttle_[sub->arn];
      if (now < next) {
        Status st = queue_.Retry(item.id, item.attempts, next);
        (void)st;
        --in_flight_;
        co_return;
      }
      next = std::max(now, next) + 1000 / *policy.max_receives_per_second;
    }
  }
  Outcome o = co_await DeliverNotification(job, *sub, *m);
  if (o.ok) {
    Finish(item, job);
  } else {
    AfterFailure(item, job, &*sub, m.get(), o.error);
  }
  --in_flight_;
}

asio::awaitable<Deliveries::Outcome> Deliveries::DeliverNotification(const Value& job,
                                                                     const SubscriptionRow& sub,
                                                                     const PublishedMessage& m) {
  (void)job;
  const std::string& text = m.MessageFor(sub.protocol);
  bool raw = sub.Attr("RawMessageDelivery") == "true";
  std::string cert_url = CertUrl(m.base_url);
  std::string unsubscribe = UnsubscribeUrl(m.base_url, sub.arn);
  std::string signature, envelope;
  if (!raw || sub.protocol == "lambda") {
    // Signed and serialized once per message and protocol (the text depends on the protocol
    // only), not once per subscription.
    std::string key = m.id + '\n' + sub.protocol;
    auto it = rendered_.find(key);
    if (it == rendered_.end()) {
      const std::string* subject = m.subject ? &*m.subject : nullptr;
      Rendered r;
      r.signature = signer_.Sign(
          StringToSign("Notification", text, m.id, subject, "", m.timestamp, "", m.topic_arn),
          m.signature_version);
      r.envelope.emplace(m, text, r.signature, cert_url);
      if (rendered_.size() > 256) rendered_.clear();
      it = rendered_.emplace(std::move(key), std::move(r)).first;
    }
    signature = it->second.signature;
    envelope = raw ? text : it->second.envelope->For(unsubscribe);
  } else {
    envelope = text;
  }
  if (IsHttp(sub.protocol)) {
    HttpHeaders headers = SnsHeaders("Notification", m.id, m.topic_arn, sub.arn, raw);
    Outcome o = co_await PostHttp(sub.endpoint, headers, envelope);
    co_return o;
  }
  if (sub.protocol == "sqs") co_return co_await SendSqs(sub.endpoint, m, envelope, raw);
  if (sub.protocol == "email" || sub.protocol == "email-json") {
    std::string body = sub.protocol == "email-json" ? envelope : text;
    co_return AppendMail(sub.endpoint, m.subject.value_or("AWS Notification Message"), body);
  }
  if (sub.protocol == "lambda") {
    // An asynchronous invoke with the Records[].Sns event (reference G.6).
    if (lambda_ == nullptr) co_return Outcome{false, "Lambda invokes are not served"};
    Status st = lambda_->InvokeAsync(
        sub.endpoint, LambdaEventJson(m, text, sub.arn, signature, cert_url, unsubscribe));
    co_return st.ok() ? Outcome{true, ""} : Outcome{false, st.ToString()};
  }
  co_return Outcome{false, "protocol " + sub.protocol + " is not delivered by this nimbus"};
}

asio::awaitable<Deliveries::Outcome> Deliveries::PostHttp(const std::string& url,
                                                          const HttpHeaders& headers,
                                                          const std::string& body) {
  auto target = ParseHttpUrl(url);
  if (!target) co_return Outcome{false, "bad endpoint URL"};
  HttpOutcome r = co_await http_->Send(*target, "POST", headers, body,
                                       std::chrono::milliseconds(options_.http_timeout_ms));
  if (r.status >= 200 && r.status < 300) co_return Outcome{true, ""};
  co_return Outcome{false, r.status != 0 ? "HTTP " + std::to_string(r.status) : r.error};
}

asio::awaitable<Deliveries::Outcome> Deliveries::SendSqs(const std::string& queue_arn,
                                                         const PublishedMessage& m,
                                                         const std::string& body, bool raw) {
  if (sqs_ == nullptr) co_return Outcome{false, "SQS is not served by this nimbus"};
  // Sent without blocking the deliveries' loop: other deliveries run while this one's commit
  // (shared with theirs) is written.
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  auto outcome = std::make_shared<Outcome>();
  sqs_->SendAsync(queue_arn, SqsMessage(queue_arn, m, body, raw),
                  [waiter, outcome](Result<sqs::SentMessage> sent) {
                    *outcome = sent.ok() ? Outcome{true, ""} : Outcome{false, sent.error().ToString()};
                    waiter->Notify();
                  });
  co_await waiter->Wait();
  co_return *outcome;
}

Deliveries::Outcome Deliveries::AppendMail(const std::string& to, const std::string& subject,
                                           const std::string& body) {
  std::string mail = "From nimbus@localhost " + FormatRfc1123(clock_.Now()) +
                     "\nFrom: no-reply@sns.amazonaws.com\nTo: " + to + "\nSubject: " + subject +
                     "\nDate: " + FormatRfc1123(clock_.Now()) + "\n\n" + body + "\n\n";
  int fd = ::open(options_.mailbox_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Outcome{false, store::ErrnoStatus("open", options_.mailbox_path).ToString()};
  Status st = store::WriteAll(fd, mail, options_.mailbox_path);
  if (st.ok() && ::fsync(fd) != 0) st = store::ErrnoStatus("fsync", options_.mailbox_path);
  ::close(fd);
  return st.ok() ? Outcome{true, ""} : Outcome{false, st.ToString()};
}

}  // namespace nimbus::sns
