// AWS-shaped errors the codecs raise while decoding, and required-member validation.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/aws_error.h"
#include "protocol/call.h"
#include "protocol/model.h"

namespace nimbus::protocol_errors {

// Finds the first required member absent from `v` (walking nested structures, lists and maps of
// `shape`). Returns false when one is missing and sets `path` ("logEvents.0.message", members
// in lowerCamel as AWS prints them).
bool CheckRequired(const Shape& shape, const Value& v, std::string& path, int depth = 0);

// The protocol's error for a missing required member at `path` of `op`'s input:
// query: SNS-style InvalidParameter when modeled, else ValidationError; json/rest-json:
// InvalidParameterException when modeled, else ValidationException.
AwsError MissingRequired(const ServiceModel& model, const OperationModel& op,
                         std::string_view path);

// A body that is not valid for the protocol (bad JSON, wrong types). json: SerializationException;
// rest-json: InvalidRequestContentException when the service models it (Lambda), else
// SerializationException.
AwsError BadContent(const ServiceModel& model, const OperationModel* op, std::string_view detail);

// A query parameter with a value of the wrong type.
AwsError QueryBadValue(std::string_view param, std::string_view detail);

}  // namespace nimbus::protocol_errors
