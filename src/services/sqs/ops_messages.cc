// Message operations: send (answering once durable), receive (long polls parked on a Waiter,
// no busy waiting), delete and visibility, single and batched.
#include <boost/asio/this_coro.hpp>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include "services/kit/input.h"
#include "services/sqs/api/queue_sender.h"
#include "services/sqs/errors.h"
#include "services/sqs/message_md5.h"
#include "services/sqs/ops.h"

namespace nimbus::sqs::ops {
namespace {

using boost::asio::awaitable;

AttributeValues AttributesOf(const Value& in, const char* key) {
  AttributeValues out;
  const Value* m = Member(in, key);
  if (m == nullptr || !m->is_object()) return out;
  for (auto it = m->begin(); it != m->end(); ++it) {
    MessageAttribute& a = out[it.key()];
    a.data_type = Str(*it, "DataType");
    a.string_value = Str(*it, "StringValue");
    a.binary_value = Blob(*it, "BinaryValue").value_or("");
  }
  return out;
}

Value AttributeValue(const MessageAttribute& a) {
  Value v{{"DataType", a.data_type}};
  if (a.data_type.starts_with("Binary")) {
    v["BinaryValue"] = BlobValue(a.binary_value);
  } else {
    v["StringValue"] = a.string_value;
  }
  return v;
}

SendRequest SendRequestOf(const Value& in) {
  SendRequest r;
  r.body = Str(in, "MessageBody");
  r.attributes = AttributesOf(in, "MessageAttributes");
  r.system_attributes = AttributesOf(in, "MessageSystemAttributes");
  r.delay_seconds = OptInt(in, "DelaySeconds");
  r.group_id = Str(in, "MessageGroupId");
  r.dedup_id = Str(in, "MessageDeduplicationId");
  return r;
}

Value SentValue(const Message& m) {
  Value v{{"MessageId", m.id}, {"MD5OfMessageBody", m.md5_of_body}};
  if (!m.md5_of_attributes.empty()) v["MD5OfMessageAttributes"] = m.md5_of_attributes;
  if (!m.md5_of_system_attributes.empty()) {
    v["MD5OfMessageSystemAttributes"] = m.md5_of_system_attributes;
  }
  if (!m.sequence_number.empty()) v["SequenceNumber"] = m.sequence_number;
  return v;
}

std::string SenderId(const CallContext& call) {
  return call.access_key_id.empty() ? call.account_id : call.access_key_id;
}

// Sends `requests` and waits until they are durable. Per entry the message or its error.
awaitable<Result<Engine::SendResults, AwsError>> SendDurably(
    Engine& e, const CallContext& call, const QueueRef& q,
    const std::vector<SendRequest>& requests) {
  auto waiter = std::make_shared<Waiter>(co_await boost::asio::this_coro::executor);
  auto status = std::make_shared<Status>();
  auto sent = e.Send(q.scope, q.name, requests, SenderId(call), [waiter, status](const Status& st) {
    *status = st;
    waiter->Notify();
  });
  if (!sent.ok()) co_return sent.error();
  co_await waiter->Wait();
  if (!status->ok())
    co_return InternalFailure("the message could not be stored: " + status->ToString());
  co_return std::move(*sent);
}

// A batch's entries: the AWS errors for an empty or long list, duplicate or malformed ids.
std::optional<AwsError> CheckEntries(const Value& entries, const char* entry_shape) {
  if (!entries.is_array() || entries.empty()) {
    return AwsError(
        "AWS.SimpleQueueService.EmptyBatchRequest",
        std::string("There should be at least one ") + entry_shape + " in the request.");
  }
  if (entries.size() > 10) {
    return AwsError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                    "Maximum number of entries per request are 10. You have sent " +
                        std::to_string(entries.size()) + ".");
  }
  std::vector<std::string> ids;
  for (const auto& entry : entries) {
    std::string id = Str(entry, "Id");
    bool ok = !id.empty() && id.size() <= 80;
    for (char c : id)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok) {
      return AwsError("AWS.SimpleQueueService.InvalidBatchEntryId",
                      "A batch entry id can only contain alphanumeric characters, hyphens and "
                      "underscores. It can be at most 80 letters long.");
    }
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      return AwsError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
    }
    ids.push_back(id);
  }
  return std::nullopt;
}

Value Failure(const std::string& id, const AwsError& error) {
  return Value{{"Id", id},
               {"SenderFault", error.sender_fault},
               {"Code", error.code},
               {"Message", error.message}};
}

// The names a receive asked for: nullopt = all.
bool Wants(const std::vector<std::string>& names, const std::string& name) {
  for (const auto& n : names) {
    if (n == "All" || n == ".*" || n == name) return true;
    if (n.size() > 2 && n.ends_with(".*") && name.starts_with(n.substr(0, n.size() - 1))) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> Names(const Value& in, const char* key) {
  std::vector<std::string> out;
  if (const Value* m = Member(in, key); m != nullptr && m->is_array()) {
    for (const auto& v : *m) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

Value ReceivedValue(const ReceivedMessage& r, const std::vector<std::string>& system_names,
                    const std::vector<std::string>& attribute_names) {
  const Message& m = r.message;
  Value v{{"MessageId", m.id},
          {"ReceiptHandle", r.receipt_handle},
          {"MD5OfBody", m.md5_of_body},
          {"Body", m.body}};
  std::map<std::string, std::string> sys = {
      {"SenderId", m.sender_id},
      {"SentTimestamp", std::to_string(m.sent_ms)},
      {"ApproximateReceiveCount", std::to_string(m.receive_count)},
      {"ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms)}};
  if (!m.group_id.empty()) sys["MessageGroupId"] = m.group_id;
  if (!m.dedup_id.empty()) sys["MessageDeduplicationId"] = m.dedup_id;
  if (!m.sequence_number.empty()) sys["SequenceNumber"] = m.sequence_number;
  if (!m.dead_letter_source_arn.empty()) sys["DeadLetterQueueSourceArn"] = m.dead_letter_source_arn;
  if (auto t = m.system_attributes.find("AWSTraceHeader"); t != m.system_attributes.end()) {
    sys["AWSTraceHeader"] = t->second.string_value;
  }
  Value attrs = Value::object();
  for (const auto& [k, val] : sys) {
    if (Wants(system_names, k)) attrs[k] = val;
  }
  if (!attrs.empty()) v["Attributes"] = std::move(attrs);
  AttributeValues chosen;
  for (const auto& [k, a] : m.attributes) {
    if (Wants(attribute_names, k)) chosen[k] = a;
  }
  if (!chosen.empty()) {
    Value ma = Value::object();
    for (const auto& [k, a] : chosen) ma[k] = AttributeValue(a);
    v["MessageAttributes"] = std::move(ma);
    v["MD5OfMessageAttributes"] = AttributesMd5(chosen);
  }
  return v;
}

}  // namespace

awaitable<OpResult> SendMessage(Engine& e, const CallContext& call, Value in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) co_return q.error();
  std::vector<SendRequest> requests;
  requests.push_back(SendRequestOf(in));
  auto sent = co_await SendDurably(e, call, *q, requests);
  if (!sent.ok()) co_return sent.error();
  const auto& result = sent->front();
  if (!result.ok()) co_return result.error();
  co_return SentValue(*result);
}

awaitable<OpResult> SendMessageBatch(Engine& e, const CallContext& call, Value in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) co_return q.error();
  const Value* entries = Member(in, "Entries");
  static const Value kEmpty = Value::array();
  if (auto error = CheckEntries(entries ? *entries : kEmpty, "SendMessageBatchRequestEntry")) {
    co_return *error;
  }
  std::vector<SendRequest> requests;
  size_t total = 0;
  for (const auto& entry : *entries) {
    requests.push_back(SendRequestOf(entry));
    total += requests.back().body.size();
    for (const auto& [k, a] : requests.back().attributes) {
      total += k.size() + a.data_type.size() + a.string_value.size() + a.binary_value.size();
    }
  }
  if (total > kMaxMessageBytes) {
    co_return AwsError("AWS.SimpleQueueService.BatchRequestTooLong",
                       "Batch requests cannot be longer than " + std::to_string(kMaxMessageBytes) +
                           " bytes. You have sent " + std::to_string(total) + " bytes.");
  }
  auto sent = co_await SendDurably(e, call, *q, requests);
  if (!sent.ok()) co_return sent.error();
  Value ok = Value::array(), failed = Value::array();
  for (size_t i = 0; i < sent->size(); ++i) {
    std::string id = Str((*entries)[i], "Id");
    const auto& r = (*sent)[i];
    if (!r.ok()) {
      failed.push_back(Failure(id, r.error()));
      continue;
    }
    Value v = SentValue(*r);
    v["Id"] = id;
    ok.push_back(std::move(v));
  }
  co_return Value{{"Successful", std::move(ok)}, {"Failed", std::move(failed)}};
}

awaitable<OpResult> ReceiveMessage(Engine& e, const CallContext& call, Value in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) co_return q.error();
  ReceiveRequest request;
  int64_t max = Int(in, "MaxNumberOfMessages", 1);
  if (max < 1 || max > 10) {
    co_return InvalidParameter("MaxNumberOfMessages", std::to_string(max),
                               "Must be between 1 and 10, if provided.");
  }
  request.max_messages = static_cast<int>(max);
  request.visibility_timeout = OptInt(in, "VisibilityTimeout");
  if (request.visibility_timeout &&
      (*request.visibility_timeout < 0 || *request.visibility_timeout > 43200)) {
    co_return InvalidParameter("VisibilityTimeout", std::to_string(*request.visibility_timeout),
                               "Must be >= 0 and <= 43200, if provided.");
  }
  request.attempt_id = Str(in, "ReceiveRequestAttemptId");
  std::optional<int64_t> wait = OptInt(in, "WaitTimeSeconds");
  if (wait && (*wait < 0 || *wait > 20)) {
    co_return InvalidParameter("WaitTimeSeconds", std::to_string(*wait),
                               "Must be >= 0 and <= 20, if provided.");
  }
  if (!wait) {
    auto queue_wait = e.DefaultWaitSeconds(q->scope, q->name);
    if (!queue_wait.ok()) co_return queue_wait.error();
    wait = *queue_wait;
  }
  std::vector<std::string> system_names = Names(in, "AttributeNames");
  for (auto& n : Names(in, "MessageSystemAttributeNames")) system_names.push_back(n);
  std::vector<std::string> attribute_names = Names(in, "MessageAttributeNames");

  auto executor = co_await boost::asio::this_coro::executor;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*wait);
  ReceiveOutcome outcome;
  for (;;) {
    bool may_wait = std::chrono::steady_clock::now() < deadline;
    auto waiter = may_wait ? std::make_shared<Waiter>(executor) : nullptr;
    auto got = e.Receive(q->scope, q->name, request, waiter);
    if (!got.ok()) co_return got.error();
    outcome = std::move(*got);
    if (!outcome.messages.empty() || !may_wait) break;
    auto wake = deadline;
    if (outcome.next_visible_in_ms > 0) {
      wake = std::min(wake, std::chrono::steady_clock::now() +
                                std::chrono::milliseconds(outcome.next_visible_in_ms));
    }
    co_await waiter->WaitOnce(wake);
  }
  Value messages = Value::array();
  for (const auto& r : outcome.messages) {
    messages.push_back(ReceivedValue(r, system_names, attribute_names));
  }
  Value out = Value::object();
  if (!messages.empty()) out["Messages"] = std::move(messages);
  co_return out;
}

OpResult DeleteMessage(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  if (auto error = e.DeleteMessage(q->scope, q->name, Str(in, "ReceiptHandle"))) return *error;
  return Value::object();
}

OpResult ChangeMessageVisibility(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  if (auto error = e.ChangeVisibility(q->scope, q->name, Str(in, "ReceiptHandle"),
                                      Int(in, "VisibilityTimeout", 0))) {
    return *error;
  }
  return Value::object();
}

namespace {

// The shared shape of DeleteMessageBatch and ChangeMessageVisibilityBatch.
template <class Fn>
OpResult ForEachEntry(Engine& e, const CallContext& call, const Value& in, const char* entry_shape,
                      Fn fn) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  const Value* entries = Member(in, "Entries");
  static const Value kEmpty = Value::array();
  if (auto error = CheckEntries(entries ? *entries : kEmpty, entry_shape)) return *error;
  if (!e.Exists(q->scope, q->name)) return QueueDoesNotExist();
  Value ok = Value::array(), failed = Value::array();
  for (const auto& entry : *entries) {
    std::string id = Str(entry, "Id");
    if (auto error = fn(*q, entry)) {
      failed.push_back(Failure(id, *error));
    } else {
      ok.push_back(Value{{"Id", id}});
    }
  }
  return Value{{"Successful", std::move(ok)}, {"Failed", std::move(failed)}};
}

}  // namespace

OpResult DeleteMessageBatch(Engine& e, const CallContext& call, const Value& in) {
  return ForEachEntry(e, call, in, "DeleteMessageBatchRequestEntry",
                      [&](const QueueRef& q, const Value& entry) {
                        return e.DeleteMessage(q.scope, q.name, Str(entry, "ReceiptHandle"));
                      });
}

OpResult ChangeMessageVisibilityBatch(Engine& e, const CallContext& call, const Value& in) {
  return ForEachEntry(e, call, in, "ChangeMessageVisibilityBatchRequestEntry",
                      [&](const QueueRef& q, const Value& entry) {
                        return e.ChangeVisibility(q.scope, q.name, Str(entry, "ReceiptHandle"),
                                                  Int(entry, "VisibilityTimeout", 0));
                      });
}

}  // namespace nimbus::sqs::ops
