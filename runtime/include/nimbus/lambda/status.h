// Errors as values for the nimbus Lambda runtime: ErrorCode, Error, Status and Result<T>.
// Nothing in this library throws; every fallible call returns one of these.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace nimbus::lambda {

// What went wrong. The comments say how run_handler() reacts to each code.
enum class ErrorCode {
  kInvalidArgument,   // The caller passed something unusable. Not retried.
  kConfig,            // AWS_LAMBDA_RUNTIME_API missing or malformed. The runtime exits.
  kConnection,        // Refused, reset or closed connection. Retried with backoff.
  kTimeout,           // No answer within ClientOptions::io_timeout. Not retried.
  kProtocol,          // The Runtime API answered something that is not valid HTTP. Retried.
  kInvalidRequestId,  // HTTP 400: unknown or already answered request id. Reported, loop goes on.
  kInvalidState,      // HTTP 403: call in the wrong lifecycle state. The runtime exits.
  kPayloadTooLarge,   // HTTP 413: response over the limit. Reported as a function error.
  kContainerError,    // HTTP 500: container error, the runtime must exit.
  kServerError,       // Any other unexpected status (other 5xx are retried first).
  kShutdown,          // SIGTERM arrived while waiting for the next event. Exit cleanly.
};

// Stable lower-case name of `code`, for logs.
std::string_view to_string(ErrorCode code);

// An error: its code, a human-readable message and the HTTP status when one was received.
struct Error {
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string message;
  int http_status = 0;
};

// Success or an Error. Default-constructed means success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit on purpose

  // True on success.
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // The error; meaningful only when !ok().
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

// A value of type T or an Error. Accessing value() of a failed Result is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  // True when a value is held.
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // The value; precondition ok().
  T& value() & { return *std::get_if<0>(&v_); }
  const T& value() const& { return *std::get_if<0>(&v_); }
  T&& value() && { return std::move(*std::get_if<0>(&v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The error; precondition !ok().
  const Error& error() const { return *std::get_if<1>(&v_); }
  // The Status part of this result.
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace nimbus::lambda
