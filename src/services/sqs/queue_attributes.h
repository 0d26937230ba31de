// Queue attributes: AWS's names, defaults, ranges and validation (CreateQueue,
// SetQueueAttributes). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/aws_error.h"
#include "core/status.h"

namespace nimbus::sqs {

using AttributeMap = std::map<std::string, std::string>;

// The settable attributes a new queue has before the caller's (AWS's defaults).
AttributeMap DefaultQueueAttributes(bool fifo);

// Checks `in` as AWS does for a queue of kind `fifo`: unknown names are InvalidAttributeName,
// out-of-range or malformed values InvalidAttributeValue; FifoQueue only when `creating`.
// Returns the values normalized (integers without leading zeros, booleans lower case).
Result<AttributeMap, AwsError> ValidateQueueAttributes(const AttributeMap& in, bool fifo,
                                                       bool creating);

// Integer attribute `name` of `attrs` (validated), or `def`.
int64_t IntAttribute(const AttributeMap& attrs, const std::string& name, int64_t def);

// The parsed RedrivePolicy of a queue, when it has one.
struct RedrivePolicy {
  std::string dead_letter_target_arn;
  int max_receive_count = 0;
};
std::optional<RedrivePolicy> ParseRedrivePolicy(const AttributeMap& attrs);

// True when RedriveAllowPolicy of `dlq_attrs` lets `source_arn` use the queue as its DLQ.
bool RedriveAllowed(const AttributeMap& dlq_attrs, const std::string& source_arn);

}  // namespace nimbus::sqs
