#include "nimbus/lambda/invocation.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "codec.h"
#include "nimbus/lambda/runtime.h"
#include "nimbus/lambda/version.h"

namespace nimbus::lambda {

std::chrono::system_clock::time_point InvocationRequest::deadline() const {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline_ms));
}

std::chrono::milliseconds InvocationRequest::time_remaining() const {
  if (deadline_ms <= 0) return std::chrono::milliseconds(0);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline() - std::chrono::system_clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

InvocationResponse InvocationResponse::success(std::string payload, std::string content_type) {
  InvocationResponse r;
  r.payload_ = std::move(payload);
  r.content_type_ = std::move(content_type);
  return r;
}

InvocationResponse InvocationResponse::failure(std::string_view error_message,
                                               std::string_view error_type) {
  InvocationResponse r;
  r.success_ = false;
  r.payload_ = error_json(error_message, error_type);
  r.content_type_ = "application/vnd.aws.lambda.error+json";
  r.error_type_ = internal::header_safe(error_type);
  return r;
}

std::string error_json(std::string_view error_message, std::string_view error_type) {
  std::string out;
  out.reserve(error_message.size() + error_type.size() + 56);
  out += "{\"errorMessage\":";
  internal::append_json_string(out, error_message);
  out += ",\"errorType\":";
  internal::append_json_string(out, error_type);
  out += ",\"stackTrace\":[]}";
  return out;
}

const char* version() { return "0.1.0"; }

namespace detail {

InvocationResponse exception_response(const std::type_info* type, const char* what) {
  std::string name = "Runtime.UnknownException";
  if (type != nullptr) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(
        abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), std::free);
    name = (status == 0 && demangled) ? demangled.get() : type->name();
  }
  return InvocationResponse::failure(what != nullptr ? what : "", name);
}

}  // namespace detail
}  // namespace nimbus::lambda
