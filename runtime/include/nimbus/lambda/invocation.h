// One invocation as received from the Runtime API, and the handler's answer to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace nimbus::lambda {

// An event delivered by GET /runtime/invocation/next. Optional fields are empty when absent.
struct InvocationRequest {
  std::string payload;           // Event bytes, unmodified (may be binary or invalid JSON).
  std::string request_id;        // Lambda-Runtime-Aws-Request-Id.
  std::string function_arn;      // Lambda-Runtime-Invoked-Function-Arn, with any qualifier.
  std::string trace_id;          // Lambda-Runtime-Trace-Id (also exported as _X_AMZN_TRACE_ID).
  std::string client_context;    // Lambda-Runtime-Client-Context, decoded JSON, if sent.
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity JSON, if sent.
  std::string tenant_id;         // Lambda-Runtime-Aws-Tenant-Id, if sent.
  std::string content_type;      // Content-Type of the event.
  std::int64_t deadline_ms = 0;  // Lambda-Runtime-Deadline-Ms, Unix epoch ms; 0 if missing/bad.

  // The deadline as a time point (the epoch when deadline_ms is 0).
  std::chrono::system_clock::time_point deadline() const;
  // Time left before the deadline, never negative; zero when the deadline is unknown.
  std::chrono::milliseconds time_remaining() const;
};

// What a handler returns: a success payload or an AWS-shaped function error.
class InvocationResponse {
 public:
  // A successful result. `payload` is sent as is (binary allowed) with `content_type`.
  static InvocationResponse success(std::string payload,
                                    std::string content_type = "application/json");
  // A function error, serialized as
  // {"errorMessage":<message>,"errorType":<type>,"stackTrace":[]} (invalid UTF-8 replaced).
  static InvocationResponse failure(std::string_view error_message, std::string_view error_type);

  // True for success(), false for failure().
  bool is_success() const { return success_; }
  // Body bytes to post (the error JSON for a failure).
  const std::string& payload() const { return payload_; }
  // Content type of payload().
  const std::string& content_type() const { return content_type_; }
  // Error type for a failure (sent in Lambda-Runtime-Function-Error-Type); empty on success.
  const std::string& error_type() const { return error_type_; }

 private:
  std::string payload_;
  std::string content_type_;
  std::string error_type_;
  bool success_ = true;
};

// Serializes an AWS error body: {"errorMessage":..,"errorType":..,"stackTrace":[]}.
std::string error_json(std::string_view error_message, std::string_view error_type);

}  // namespace nimbus::lambda
