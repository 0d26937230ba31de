// RuntimeClient: Runtime API requests with retries and /next parsing.
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "client_impl.h"
#include "codec.h"
#include "shutdown.h"

namespace nimbus::lambda {

using internal::HttpResponse;
using internal::Wait;

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kConfig:
      return "config";
    case ErrorCode::kConnection:
      return "connection";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kProtocol:
      return "protocol";
    case ErrorCode::kInvalidRequestId:
      return "invalid_request_id";
    case ErrorCode::kInvalidState:
      return "invalid_state";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kContainerError:
      return "container_error";
    case ErrorCode::kServerError:
      return "server_error";
    case ErrorCode::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

Status parse_endpoint(std::string_view endpoint, std::string& host, std::string& port) {
  auto bad = [&] {
    return Error{ErrorCode::kConfig, "invalid Runtime API endpoint '" +
                                         internal::header_safe(endpoint) + "' (want host:port)"};
  };
  std::size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view h = endpoint.substr(0, colon);
  std::string_view p = endpoint.substr(colon + 1);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return bad();
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return bad();
  }
  for (char c : h) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '[' || c == ']') return bad();
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || p.size() > 5 || ec != std::errc() || ptr != p.data() + p.size() || value == 0 ||
      value > 65535) {
    return bad();
  }
  host.assign(h);
  port.assign(p);
  return {};
}

// Sets _X_AMZN_TRACE_ID for the handler (unset when `trace_id` is empty). Not with setenv():
// glibc keeps every value string setenv() ever made (to reuse them), so a new trace id per
// invocation would grow the heap by ~100 bytes per invocation, forever. Instead one buffer of
// ours is the environment entry (putenv() keeps the pointer) and is rewritten in place.
static void set_trace_env(const std::string& trace_id) {
  static constexpr std::string_view kPrefix = "_X_AMZN_TRACE_ID=";
  static char* entry = nullptr;
  static std::size_t capacity = 0;
  if (trace_id.empty() || trace_id.find('\0') != std::string::npos) {
    ::unsetenv("_X_AMZN_TRACE_ID");
    return;
  }
  // Still ours? (A handler may have set or unset the variable itself.)
  bool listed = entry != nullptr && std::getenv("_X_AMZN_TRACE_ID") == entry + kPrefix.size();
  const std::size_t need = kPrefix.size() + trace_id.size() + 1;
  if (need > capacity) {
    // An older, shorter buffer may still be listed or copied by a handler: it stays allocated.
    capacity = std::max<std::size_t>(need, 256);
    entry = new char[capacity];
    std::memcpy(entry, kPrefix.data(), kPrefix.size());
    listed = false;
  }
  std::memcpy(entry + kPrefix.size(), trace_id.c_str(), trace_id.size() + 1);
  if (!listed) ::putenv(entry);
}

Error status_error(const HttpResponse& response) {
  std::string body = internal::header_safe(std::string_view(response.body).substr(0, 256));
  std::string msg =
      "Runtime API answered " + std::to_string(response.status) + (body.empty() ? "" : ": " + body);
  ErrorCode code = ErrorCode::kServerError;
  switch (response.status) {
    case 400:
      code = ErrorCode::kInvalidRequestId;
      break;
    case 403:
      code = ErrorCode::kInvalidState;
      break;
    case 413:
      code = ErrorCode::kPayloadTooLarge;
      break;
    case 500:
      code = ErrorCode::kContainerError;
      break;
    default:
      break;
  }
  return Error{code, std::move(msg), response.status};
}

RuntimeClient::Impl::Impl(ClientOptions opts, std::string host, std::string port)
    : options(std::move(opts)), conn(host, port) {
  endpoint = options.endpoint;
  host_line = "Host: " + endpoint + "\r\nUser-Agent: nimbus-lambda-runtime/0.1.0\r\n";
  next_head = request_head("GET", "runtime/invocation/next") + "\r\n";
}

std::string RuntimeClient::Impl::request_head(std::string_view method,
                                              std::string_view path) const {
  std::string head;
  head.reserve(160 + path.size());
  head.append(method).append(" /2018-06-01/").append(path).append(" HTTP/1.1\r\n");
  head += host_line;
  return head;
}

Wait RuntimeClient::Impl::io_wait() const {
  Wait w;
  if (options.io_timeout.count() > 0) w.deadline = internal::Clock::now() + options.io_timeout;
  return w;
}

bool RuntimeClient::Impl::backoff_sleep(std::chrono::milliseconds delay, bool interruptible) {
  int fd = internal::shutdown_fd();
  if (!interruptible || fd < 0) {
    std::this_thread::sleep_for(delay);
    return true;
  }
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(delay.count())) <= 0 || !(p.revents & POLLIN);
}

Result<HttpResponse> RuntimeClient::Impl::exchange(std::string_view head, std::string_view body,
                                                   bool is_next, std::size_t max_body,
                                                   bool then_next) {
  const int attempts = options.max_attempts > 0 ? options.max_attempts : 1;
  auto delay = options.initial_backoff;
  bool sent = is_next && next_sent_on != 0 && next_sent_on == conn.id();
  next_sent_on = 0;
  for (int attempt = 1;; ++attempt) {
    Wait wait = is_next || then_next ? Wait{std::nullopt, true} : io_wait();
    Error err;
    Status s = conn.is_open() ? Status() : conn.connect(wait);
    if (s.ok() && !sent) {
      s = conn.send({head, body, then_next ? std::string_view(next_head) : std::string_view()},
                    wait);
      if (s.ok() && then_next) next_sent_on = conn.id();
    }
    sent = false;
    if (s.ok()) {
      auto r = conn.read_response(wait, max_body);
      if (r.ok() && r->status >= 200 && r->status < 300) return r;
      err = r.ok() ? status_error(*r) : r.error();
    } else {
      err = s.error();
    }
    if (err.code != ErrorCode::kInvalidRequestId && err.code != ErrorCode::kPayloadTooLarge) {
      conn.close();
    }
    bool transient =
        err.code == ErrorCode::kConnection || err.code == ErrorCode::kProtocol ||
        (err.code == ErrorCode::kServerError && (err.http_status >= 500 || err.http_status == 429));
    if (!transient || attempt >= attempts) {
      if (transient) err.message += " (after " + std::to_string(attempt) + " attempts)";
      return err;
    }
    if (!backoff_sleep(delay, is_next)) return Error{ErrorCode::kShutdown, "SIGTERM received"};
    delay = std::min(delay * 2, options.max_backoff);
  }
}

Status RuntimeClient::Impl::post_error(std::string_view path, std::string_view error_type,
                                       std::string_view json, bool then_next) {
  std::string head = request_head("POST", path);
  head += "Content-Type: application/vnd.aws.lambda.error+json\r\n";
  head += "Lambda-Runtime-Function-Error-Type: " + internal::header_safe(error_type) + "\r\n";
  head += "Content-Length: " + std::to_string(json.size()) + "\r\n\r\n";
  return exchange(head, json, false, kMaxReplyBytes, then_next).status();
}

Result<RuntimeClient> RuntimeClient::create(ClientOptions options) {
  if (options.endpoint.empty()) {
    const char* env = std::getenv("AWS_LAMBDA_RUNTIME_API");
    if (env == nullptr || *env == '\0') {
      return Error{ErrorCode::kConfig, "AWS_LAMBDA_RUNTIME_API is not set"};
    }
    options.endpoint = env;
  }
  std::string host, port;
  Status s = parse_endpoint(options.endpoint, host, port);
  if (!s.ok()) return s.error();
  return RuntimeClient(std::make_unique<Impl>(std::move(options), host, port));
}

RuntimeClient::RuntimeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuntimeClient::RuntimeClient(RuntimeClient&&) noexcept = default;
RuntimeClient& RuntimeClient::operator=(RuntimeClient&&) noexcept = default;
RuntimeClient::~RuntimeClient() = default;

const std::string& RuntimeClient::endpoint() const { return impl_->endpoint; }

Result<InvocationRequest> RuntimeClient::next() {
  auto r = impl_->exchange(impl_->next_head, {}, true, impl_->options.max_event_bytes);
  if (!r.ok()) return r.error();
  HttpResponse& http = *r;
  InvocationRequest req;
  for (auto& [name, value] : http.headers) {
    using internal::iequals;
    if (iequals(name, "Lambda-Runtime-Aws-Request-Id")) {
      req.request_id = std::move(value);
    } else if (iequals(name, "Lambda-Runtime-Deadline-Ms")) {
      std::int64_t ms = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      req.deadline_ms = (ec == std::errc() && p == value.data() + value.size() && ms > 0) ? ms : 0;
    } else if (iequals(name, "Lambda-Runtime-Invoked-Function-Arn")) {
      req.function_arn = std::move(value);
    } else if (iequals(name, "Lambda-Runtime-Trace-Id")) {
      req.trace_id = std::move(value);
    } else if (iequals(name, "Lambda-Runtime-Client-Context")) {
      req.client_context = std::move(value);
    } else if (iequals(name, "Lambda-Runtime-Cognito-Identity")) {
      req.cognito_identity = std::move(value);
    } else if (iequals(name, "Lambda-Runtime-Aws-Tenant-Id")) {
      req.tenant_id = std::move(value);
    } else if (iequals(name, "Content-Type")) {
      req.content_type = std::move(value);
    }
  }
  if (req.request_id.empty()) {
    return Error{ErrorCode::kProtocol, "event without Lambda-Runtime-Aws-Request-Id", 200};
  }
  req.payload = std::move(http.body);
  if (impl_->options.set_trace_env) set_trace_env(req.trace_id);
  return req;
}

Status RuntimeClient::respond(std::string_view request_id, const InvocationResponse& response) {
  std::string id = internal::escape_path_segment(request_id);
  // A payload over Lambda's 6 MB limit is answered 413 and the runtime then reports an error:
  // a GET /next already sent would be answered first, so none is sent with it.
  constexpr std::size_t kMaxPipelinedPayload = 6u << 20;
  const bool then_next =
      impl_->options.pipeline_next && response.payload().size() <= kMaxPipelinedPayload;
  if (!response.is_success()) {
    return impl_->post_error("runtime/invocation/" + id + "/error", response.error_type(),
                             response.payload(), then_next);
  }
  std::string head = impl_->request_head("POST", "runtime/invocation/" + id + "/response");
  head += "Content-Type: " + internal::header_safe(response.content_type()) + "\r\n";
  head += "Content-Length: " + std::to_string(response.payload().size()) + "\r\n\r\n";
  return impl_->exchange(head, response.payload(), false, kMaxReplyBytes, then_next).status();
}

Status RuntimeClient::fail(std::string_view request_id, std::string_view error_type,
                           std::string_view error_message) {
  return impl_->post_error(
      "runtime/invocation/" + internal::escape_path_segment(request_id) + "/error", error_type,
      error_json(error_message, error_type), impl_->options.pipeline_next);
}

Status RuntimeClient::init_error(std::string_view error_type, std::string_view error_message) {
  return impl_->post_error("runtime/init/error", error_type, error_json(error_message, error_type));
}

ResponseWriter RuntimeClient::stream(std::string_view request_id, std::string_view content_type) {
  return ResponseWriter(impl_.get(), std::string(request_id), std::string(content_type));
}

}  // namespace nimbus::lambda
