// An AWS error as data. Providers return it; the protocol codec of the service serializes it
// (json `__type`, rest-json `x-amzn-ErrorType`, query `<ErrorResponse>`). Value type.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nimbus {

struct AwsError {
  std::string code;          // e.g. "ResourceNotFoundException"
  std::string message;       // human-readable message, as AWS words it
  int http_status = 400;     // HTTP status of the error response
  bool sender_fault = true;  // query protocol <Type>: Sender (true) or Receiver (false)
  // Extra members serialized into the error body next to the message (e.g. {"Type":"User"},
  // {"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}). Must be an object or null.
  nlohmann::json fields;
  // Extra response headers (name, value), e.g. Retry-After.
  std::vector<std::pair<std::string, std::string>> headers;

  AwsError() = default;
  AwsError(std::string c, std::string m, int status = 400, bool sender = true)
      : code(std::move(c)), message(std::move(m)), http_status(status), sender_fault(sender) {}
};

}  // namespace nimbus
