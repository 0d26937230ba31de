// SNS deliveries: every accepted Publish fans out into one durable work item per matching
// subscription (store/work_queue.h, queue "sns"), and confirmation messages are items too, so a
// delivery survives kill -9 and happens at least once. A worker on one event loop claims due
// items and delivers them: http POSTs signed bodies (reference G.2, G.3), sqs sends through
// ServiceLinks::sqs_sender (awaited, not blocking the loop), email/email-json append to a mailbox file. Failures are retried per
// the subscription's delivery policy (delivery_policy.h), with delays divided by
// --sns-time-divisor for tests; after the last try the message goes to the subscription's
// RedrivePolicy dead-letter queue. The worker sleeps until the next due item; new or retried
// work wakes it at once (WorkQueue::OnChange), so an idle nimbus does not poll. Thread-safe:
// Enqueue* from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "core/waiter.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/http_client.h"
#include "services/sns/message.h"
#include "services/sns/signer.h"
#include "services/sns/sns_store.h"
#include "store/work_queue.h"

namespace nimbus::sqs {
class QueueSender;
}
namespace nimbus::lambda {
class AsyncInvoker;
}

namespace nimbus::sns {

struct DeliveryOptions {
  int time_divisor = 1;      // retry delays are divided by this
  std::string mailbox_path;  // where email subscriptions are appended
  int http_timeout_ms = 15000;
  // Where SigningCertURL points ("https://localhost:<port>", nimbus's https port); empty: the
  // http address the publisher used.
  std::string cert_base_url;
  std::string extra_ca_file;  // trusted besides the system's for https endpoints (nimbus's CA)
};

class Deliveries {
 public:
  Deliveries(SnsStore& store, store::WorkQueue& queue, const Signer& signer, const Clock& clock,
             std::shared_ptr<sqs::QueueSender> sqs, DeliveryOptions options);

  // Queues the deliveries of `m` to `subs` (already filtered), durably, with the message; runs
  // inside the caller's transaction when there is one (the queue wakes the worker).
  Status EnqueueNotification(const PublishedMessage& m, const std::vector<SubscriptionRow>& subs);
  // Queues a SubscriptionConfirmation or UnsubscribeConfirmation to an http/email endpoint.
  Status EnqueueConfirmation(const SubscriptionRow& sub, const std::string& type,
                             const std::string& base_url, const std::string& timestamp);
  // Signature of a message's fields (version "1" or "2").
  const Signer& signer() const { return signer_; }

  // Starts the worker on `loop` (a loop of its own: deliveries write to SQLite and sign);
  // Stop ends it (in-flight deliveries finish or stay queued).
  void Start(boost::asio::io_context& loop);
  void Stop();
  bool Stopped() const { return running_ == 0; }
  const std::string& mailbox_path() const { return options_.mailbox_path; }
  // Sets DeliveryOptions::cert_base_url; call before Start.
  void SetCertBaseUrl(std::string url) { options_.cert_base_url = std::move(url); }
  // Where lambda subscriptions are invoked (null: their deliveries fail); call before Start.
  void SetLambdaInvoker(std::shared_ptr<lambda::AsyncInvoker> invoker) {
    lambda_ = std::move(invoker);
  }
  // Sets DeliveryOptions::extra_ca_file; call before Start.
  void SetExtraCaFile(std::string path) { options_.extra_ca_file = std::move(path); }

 private:
  struct Outcome {
    bool ok = false;
    std::string error;
  };
  void Wake();
  // SigningCertURL for a message published at `base_url`.
  std::string CertUrl(const std::string& base_url) const;
  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<void> Deliver(store::WorkItem item);
  boost::asio::awaitable<Outcome> DeliverNotification(const Value& job, const SubscriptionRow& sub,
                                                      const PublishedMessage& m);
  boost::asio::awaitable<Outcome> PostHttp(const std::string& url, const HttpHeaders& headers,
                                           const std::string& body);
  boost::asio::awaitable<Outcome> SendSqs(const std::string& queue_arn, const PublishedMessage& m,
                                          const std::string& body, bool raw);
  Outcome AppendMail(const std::string& to, const std::string& subject, const std::string& body);
  // After a failed try: schedules the next one, or gives up (to the DLQ) and completes.
  void AfterFailure(const store::WorkItem& item, const Value& job, const SubscriptionRow* sub,
                    const PublishedMessage* m, const std::string& error);
  // Marks an item done (with its message reference); written in batches by FlushDone.
  void Finish(const store::WorkItem& item, const Value& job);
  void FlushDone();
  // The retry policy of `sub` (its own DeliveryPolicy over its topic's for http/s; AWS's fixed
  // policies for other protocols).
  RetryPolicy PolicyOf(const SubscriptionRow& sub);

  SnsStore& store_;
  store::WorkQueue& queue_;
  const Signer& signer_;
  const Clock& clock_;
  std::shared_ptr<sqs::QueueSender> sqs_;
  std::shared_ptr<lambda::AsyncInvoker> lambda_;
  DeliveryOptions options_;
  boost::asio::io_context* loop_ = nullptr;
  std::shared_ptr<Signal> wake_;  // the worker's: set by Start
  std::unique_ptr<HttpClient> http_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> running_{0};
  int in_flight_ = 0;                        // worker loop only
  std::map<std::string, int64_t> throttle_;  // subscription -> next allowed ms (worker loop)
  std::vector<std::pair<int64_t, std::string>> done_;  // (item, message id) to complete
  std::chrono::steady_clock::time_point flush_by_;     // when done_ is written at the latest
  // Subscriptions with their retry policies, valid while the store's version() is
  // `subs_version_` (worker loop).
  struct CachedSub {
    std::optional<SubscriptionRow> row;
    RetryPolicy policy;
  };
  const CachedSub& Subscription(const std::string& arn);
  std::map<std::string, CachedSub> subs_;
  uint64_t subs_version_ = 0;
  // Recent messages and signatures (worker loop), so a fan-out reads and signs once.
  std::map<std::string, std::shared_ptr<const PublishedMessage>> messages_;
  // What every delivery of a message to one protocol shares: its signature and envelope.
  struct Rendered {
    std::string signature;
    std::optional<NotificationTemplate> envelope;
  };
  std::map<std::string, Rendered> rendered_;  // by message id + '\n' + protocol
};

}  // namespace nimbus::sns
