// The event loop behind run_handler() and run_streaming_handler(), and report_init_error().
#include <cstdio>
#include <string>
#include <utility>

#include "nimbus/lambda/runtime.h"

namespace nimbus::lambda {
namespace {

void log_line(const RunOptions& options, std::string_view what, const Error& error) {
  if (!options.log) return;
  std::fprintf(stderr, "[nimbus-lambda] %.*s: %.*s (%.*s)\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(error.message.size()), error.message.data(),
               static_cast<int>(to_string(error.code).size()), to_string(error.code).data());
}

using Invoke = std::function<Status(RuntimeClient&, const InvocationRequest&)>;

// Decides what to do after a failed respond/fail: true to keep going, false to exit(1).
bool survive_response_error(RuntimeClient& client, const InvocationRequest& request,
                            const Error& error, const RunOptions& options) {
  log_line(options, "posting the result of " + request.request_id + " failed", error);
  switch (error.code) {
    case ErrorCode::kContainerError:
    case ErrorCode::kInvalidState:
      return false;
    case ErrorCode::kPayloadTooLarge: {
      Status s = client.fail(request.request_id, "Function.ResponseSizeTooLarge",
                             "Response payload size exceeded maximum allowed payload size");
      if (!s.ok()) log_line(options, "reporting the oversized response failed", s.error());
      return s.ok() || (s.error().code != ErrorCode::kContainerError &&
                        s.error().code != ErrorCode::kInvalidState);
    }
    default:
      return true;  // 400 and exhausted transient failures: the next /next decides.
  }
}

int run_loop(bool have_handler, const Invoke& invoke, const RunOptions& options) {
  if (options.handle_sigterm) {
    Status s = install_sigterm_handler();
    if (!s.ok()) log_line(options, "cannot handle SIGTERM", s.error());
  }
  ClientOptions client_options = options.client;
  client_options.pipeline_next = options.max_invocations == 0;  // next() always follows
  auto created = RuntimeClient::create(std::move(client_options));
  if (!created.ok()) {
    log_line(options, "cannot start the runtime", created.error());
    return 1;
  }
  RuntimeClient& client = *created;
  if (!have_handler) {
    Status s =
        client.init_error("Runtime.InvalidEntrypoint", "no handler was given to the runtime");
    if (!s.ok()) log_line(options, "reporting the init error failed", s.error());
    return 1;
  }
  int bad_events = 0;
  for (std::size_t served = 0;;) {
    auto request = client.next();
    if (!request.ok()) {
      const Error& e = request.error();
      if (e.code == ErrorCode::kShutdown) return 0;
      log_line(options, "GET /next failed", e);
      // An unusable event (no request id) is skipped a few times; anything else is fatal.
      if (e.code == ErrorCode::kProtocol && e.http_status == 200 &&
          ++bad_events < options.client.max_attempts) {
        continue;
      }
      return 1;
    }
    bad_events = 0;
    Status s = invoke(client, *request);
    if (!s.ok() && !survive_response_error(client, *request, s.error(), options)) return 1;
    if (options.max_invocations != 0 && ++served >= options.max_invocations) return 0;
  }
}

}  // namespace

namespace detail {

int run_handler_impl(Handler handler, const RunOptions& options) {
  bool have = static_cast<bool>(handler);
  return run_loop(
      have,
      [&handler](RuntimeClient& client, const InvocationRequest& request) {
        return client.respond(request.request_id, handler(request));
      },
      options);
}

int run_streaming_handler_impl(StreamingHandler handler, const RunOptions& options) {
  bool have = static_cast<bool>(handler);
  return run_loop(
      have,
      [&handler](RuntimeClient& client, const InvocationRequest& request) {
        ResponseWriter writer = client.stream(request.request_id);
        handler(request, writer);
        return writer.finish();
      },
      options);
}

}  // namespace detail

int report_init_error(std::string_view error_type, std::string_view error_message,
                      const ClientOptions& options) {
  auto client = RuntimeClient::create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "[nimbus-lambda] cannot report init error: %s\n",
                 client.error().message.c_str());
    return 1;
  }
  Status s = client->init_error(error_type, error_message);
  if (!s.ok()) {
    std::fprintf(stderr, "[nimbus-lambda] reporting the init error failed: %s\n",
                 s.error().message.c_str());
  }
  return 1;
}

}  // namespace nimbus::lambda
