// What SQS offers a consumer inside nimbus: receiving a queue's messages by its ARN, deleting
// them and changing their visibility, as ReceiveMessage, DeleteMessage and
// ChangeMessageVisibility do (Lambda's event source mappings poll through it). Receives wait on
// a Waiter instead of blocking, so a poller parks on an event loop like a long poll. Published
// in ServiceLinks::sqs_reader by the SQS service.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/waiter.h"
#include "services/sqs/api/queue_sender.h"

namespace nimbus::sqs {

// What a consumer needs to know of a queue before it polls it.
struct QueueFacts {
  bool fifo = false;
  int64_t visibility_timeout_seconds = 30;  // the queue's VisibilityTimeout
};

// One received message, with the system attributes ReceiveMessage reports for it.
struct PolledMessage {
  std::string message_id, receipt_handle;
  std::string body, md5_of_body;
  std::map<std::string, MessageAttribute> attributes;  // MessageAttributes
  std::string md5_of_attributes;                       // "" when there are none
  std::string sender_id;
  int64_t sent_ms = 0, first_receive_ms = 0;
  int64_t receive_count = 0;  // ApproximateReceiveCount, this receive included
  std::string group_id, deduplication_id, sequence_number;  // FIFO queues
  std::string aws_trace_header;                             // "" when none was sent
  std::string dead_letter_source_arn;                       // moved here by a redrive
};

// What one receive found. When `messages` is empty and a waiter was given, the waiter is
// registered and notified by the queue's next send (or stays silent: bound the wait by
// `next_visible_in_ms` when non-zero, the time until a hidden message becomes visible).
struct PolledBatch {
  std::vector<PolledMessage> messages;
  int64_t next_visible_in_ms = 0;
};

// Thread-safe; no call blocks on I/O (receives, deletes and visibility changes are journaled
// behind, as for ReceiveMessage: a crash may redeliver, SQS is at-least-once). Failures:
// NotFound when the queue does not exist, InvalidArgument for a malformed ARN or receipt
// handle, Unavailable once SQS is stopping.
class QueueReader {
 public:
  virtual ~QueueReader() = default;
  // The queue `queue_arn` ("arn:aws:sqs:<region>:<account>:<name>") as a consumer sees it.
  virtual Result<QueueFacts> Describe(const std::string& queue_arn) = 0;
  // Receives up to `max_messages` (1..10) visible messages, hiding them for
  // `visibility_timeout_seconds` (the queue's VisibilityTimeout when absent). Messages past the
  // queue's maxReceiveCount move to its dead-letter queue instead, FIFO groups with a message
  // in flight are skipped, as ReceiveMessage does. `waiter` may be null.
  virtual Result<PolledBatch> Receive(const std::string& queue_arn, int max_messages,
                                      std::optional<int64_t> visibility_timeout_seconds,
                                      const std::shared_ptr<Waiter>& waiter) = 0;
  // Deletes the message a receive handed out with `receipt_handle` (a stale handle of a
  // message received again since is ignored, as on SQS).
  virtual Status Delete(const std::string& queue_arn, const std::string& receipt_handle) = 0;
  // Makes the message visible again after `seconds` (0..43200) from now.
  virtual Status ChangeVisibility(const std::string& queue_arn, const std::string& receipt_handle,
                                  int64_t seconds) = 0;
};

}  // namespace nimbus::sqs
