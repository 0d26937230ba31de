// What SQS offers other services: sending a message to a queue named by its ARN (SNS
// subscriptions of protocol sqs, Lambda's OnSuccess/OnFailure destinations and dead-letter
// queues, later EventBridge targets). Published in ServiceLinks::sqs_sender by the SQS service.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/status.h"

namespace nimbus::sqs {

// The largest message SQS takes (body and attributes), also its MaximumMessageSize default and
// the most a SendMessageBatch may carry in all: 1 MiB since August 2025.
constexpr int64_t kMaxMessageBytes = 1'048'576;

// One message attribute as SendMessage takes it. `data_type` is "String", "Number" or "Binary",
// optionally followed by ".<custom>" (e.g. "String.json"); String and Number carry
// `string_value`, Binary carries the raw bytes in `binary_value`.
struct MessageAttribute {
  std::string data_type;
  std::string string_value;
  std::string binary_value;
};

// A message to send, as SendMessage's input. The body and attributes count toward the queue's
// MaximumMessageSize (1 MiB at most, kMaxMessageBytes).
struct OutgoingMessage {
  std::string body;  // required, non-empty; the characters SQS allows
  std::map<std::string, MessageAttribute> attributes;  // at most 10
  // FIFO queues: the group is required; the deduplication id is required unless the queue
  // has ContentBasedDeduplication. Standard queues: both must be empty.
  std::string message_group_id;
  std::string deduplication_id;
  std::optional<int> delay_seconds;  // 0..900; the queue's DelaySeconds when absent
};

// What a successful send returns (SendMessage's output).
struct SentMessage {
  std::string message_id;       // a UUID
  std::string md5_of_body;      // hex MD5 of the body
  std::string sequence_number;  // FIFO queues only
};

// Thread-safe. Send blocks the calling thread until the message is durable (one group commit,
// usually well under 10 ms): on an event loop, or to have many sends share a commit, use
// SendAsync.
class QueueSender {
 public:
  using SendDone = std::function<void(Result<SentMessage>)>;

  virtual ~QueueSender() = default;
  // Send without waiting: `done` is called once with what Send would return, on SQS's writer
  // thread once the message is durable (or at once, on the calling thread, when it is refused).
  // `done` must be quick and must not block (wake a waiter, post work).
  virtual void SendAsync(const std::string& queue_arn, OutgoingMessage message,
                         SendDone done) = 0;
  // Sends `message` to the queue `queue_arn` ("arn:aws:sqs:<region>:<account>:<name>"); the
  // ARN's account and region select the queue (no access policy is checked: nimbus is open).
  // Fails NotFound when no such queue exists, InvalidArgument (with AWS's message) when the
  // message breaks the queue's rules (size, attributes, FIFO ids), Unavailable when stopping,
  // another code when the write fails. A FIFO duplicate within 5 minutes succeeds and returns
  // the first send's ids, as on AWS.
  virtual Result<SentMessage> Send(const std::string& queue_arn, OutgoingMessage message) = 0;
};

}  // namespace nimbus::sqs
