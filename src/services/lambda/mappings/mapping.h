// An event source mapping (CreateEventSourceMapping): what nimbus keeps of one, its JSON row and
// its EventSourceMappingConfiguration as AWS answers it. Value types; pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/call.h"

namespace nimbus::lambda {

struct EventSourceMapping {
  std::string uuid;  // a UUID, the mapping's name
  std::string account, region;
  std::string function_name;            // the function it invokes
  std::string qualifier;                // its alias or version, "" when unqualified ($LATEST)
  std::string event_source_arn;         // an SQS queue's ARN
  int batch_size = 10;                  // 1..10000 (FIFO queues: 1..10)
  int max_batching_window_seconds = 0;  // 0..300
  bool enabled = true;
  bool report_batch_item_failures = false;  // FunctionResponseTypes [ReportBatchItemFailures]
  std::optional<int> max_concurrency;       // ScalingConfig.MaximumConcurrency, 2..1000
  Value filter_criteria;                    // FilterCriteria as given (null: none)
  std::map<std::string, std::string> tags;  // TagResource / CreateEventSourceMapping Tags
  double last_modified = 0;                 // epoch seconds
};

// "Enabled" or "Disabled": the state a mapping settles in.
inline std::string_view SettledState(const EventSourceMapping& m) {
  return m.enabled ? "Enabled" : "Disabled";
}

// arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
std::string MappingFunctionArn(const EventSourceMapping& m);
// arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>
std::string MappingArn(const EventSourceMapping& m);

// EventSourceMappingConfiguration with State `state` (Creating, Enabled, Updating, ...).
Value MappingOutput(const EventSourceMapping& m, std::string_view state);

// The stored JSON row. FromJson is false when `j` is not a mapping.
Value ToJson(const EventSourceMapping& m);
bool FromJson(const Value& j, EventSourceMapping& m);

}  // namespace nimbus::lambda
