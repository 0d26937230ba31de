// AWS's rules for what a message may hold (SendMessage, SendMessageBatch, QueueSender): body
// characters, attribute names, types and values, and the size that counts toward a queue's
// MaximumMessageSize. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>

#include "core/aws_error.h"
#include "services/sqs/queue_model.h"

namespace nimbus::sqs {

// MissingParameter when empty, InvalidMessageContents on a character SQS does not allow
// (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, in valid UTF-8).
std::optional<AwsError> CheckBody(const std::string& body);
// The user attributes' names, types and values, and their count (10 at most).
std::optional<AwsError> CheckAttributes(const AttributeValues& attrs);
// System attributes: only AWSTraceHeader, of type String.
std::optional<AwsError> CheckSystemAttributes(const AttributeValues& attrs);
// Bytes counted toward MaximumMessageSize: body plus each attribute's name, type and value.
size_t MessageSize(const std::string& body, const AttributeValues& attrs);

}  // namespace nimbus::sqs
