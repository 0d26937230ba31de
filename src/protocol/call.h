// What a provider sees of one AWS API call besides its decoded input.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/aws_error.h"
#include "core/http.h"
#include "core/status.h"

namespace nimbus {

// Decoded input and output of an operation: a JSON value tree shaped by the service model.
// Conventions (all protocols): structures are objects keyed by member name, lists arrays, maps
// objects, blobs json::binary, timestamps numbers (Unix epoch seconds, fractions allowed),
// booleans/numbers/strings as themselves. Absent members are absent (not null).
using Value = nlohmann::json;

// A blob Value holding a copy of `bytes` (one memcpy; a copy through the iterators of a
// std::string goes byte by byte).
inline Value BlobValue(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  return Value::binary(std::vector<uint8_t>(p, p + bytes.size()));
}

// The bytes of a blob Value (`v.is_binary()`), viewed in place.
inline std::string_view BlobBytes(const Value& v) {
  const auto& b = v.get_binary();
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Success value or AWS error of one operation.
using OpResult = Result<Value, AwsError>;

struct CallContext {
  std::string request_id;     // x-amzn-RequestId of this call
  std::string account_id;     // 12 digits, from the caller's credentials
  std::string region;         // from the SigV4 scope, default "us-east-1"
  std::string access_key_id;  // as signed by the caller (may be empty when unsigned)
  std::string service;        // model name, e.g. "lambda"
  std::string operation;      // e.g. "GetCallerIdentity"
  std::string endpoint;       // "http://host:port" as the client addressed nimbus
  const HttpRequest* http = nullptr;  // the raw request; valid for the call's duration
  // Set by an operation whose output is an event stream (hence mutable: handlers get the
  // context const): the gateway sends it as the body (HttpResponse::stream) after the head the
  // codec encoded from the output, whose own body is dropped. Ignored when the call fails.
  mutable std::shared_ptr<HttpResponseStream> response_stream;
};

}  // namespace nimbus
