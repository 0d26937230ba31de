// An asynchronous invocation as it waits on the durable work queue (store/work_queue.h, queue
// "lambda"), and the move of events that a data dir of an earlier nimbus queued in its own
// table (lambda_events) onto that queue.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/database.h"
#include "store/work_queue.h"

namespace nimbus::lambda {

// The work queue that holds Lambda's asynchronous invocations.
inline constexpr std::string_view kEventQueueName = "lambda";

struct QueuedEvent {
  std::string account_id, region, function_name;
  std::string qualifier;    // the resolved version that runs it
  std::string invoked_arn;  // the ARN the caller invoked (alias or version)
  std::string request_id;
  std::string payload;      // the event, byte for byte
  int64_t enqueued_ms = 0;  // when Invoke accepted it (MaximumEventAgeInSeconds counts from here)
};

// A work item's payload: one JSON line of the fields, a newline, then the event's bytes (so
// any payload survives unchanged). Decode answers nullopt for anything Encode did not make.
std::string EncodeQueuedEvent(const QueuedEvent& event);
std::optional<QueuedEvent> DecodeQueuedEvent(std::string_view encoded);

// Moves every row of the lambda_events table (nimbus before the shared work queue) onto
// `queue` with its attempts and due time, then drops the table, in one transaction: after a
// crash either all rows are still in the table or all are on the queue. Ok and no change when
// the table does not exist.
Status MoveLegacyQueuedEvents(store::Database& db, store::WorkQueue& queue);

}  // namespace nimbus::lambda
