// The nimbus Lambda runtime: run_handler() and friends. Include this header only.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <typeinfo>

#include "nimbus/lambda/client.h"
#include "nimbus/lambda/invocation.h"
#include "nimbus/lambda/status.h"
#include "nimbus/lambda/version.h"

#if defined(__cpp_exceptions)
#include <exception>
#endif

#if defined(__cpp_exceptions) && (defined(__GXX_RTTI) || defined(__cpp_rtti))
#define NIMBUS_LAMBDA_TYPEID_(e) (&typeid(e))
#else
#define NIMBUS_LAMBDA_TYPEID_(e) (nullptr)
#endif

namespace nimbus::lambda {

// A function handler: one event in, one response out.
using Handler = std::function<InvocationResponse(const InvocationRequest&)>;
// A streaming handler: writes its response through `writer` (finished automatically).
using StreamingHandler = std::function<void(const InvocationRequest&, ResponseWriter& writer)>;

// Options for run_handler().
struct RunOptions {
  ClientOptions client;
  // Install a SIGTERM handler so the loop returns 0 when the environment shuts down.
  bool handle_sigterm = true;
  // Stop after this many invocations (0: never). Meant for tests.
  std::size_t max_invocations = 0;
  // Print runtime diagnostics to stderr (they end up in CloudWatch Logs).
  bool log = true;
};

// Posts an init error to /runtime/init/error and returns the exit code to return from main (1).
int report_init_error(std::string_view error_type, std::string_view error_message,
                      const ClientOptions& options = {});

// Routes SIGTERM to a self-pipe: RuntimeClient::next() then returns kShutdown. Idempotent.
Status install_sigterm_handler();
// True once SIGTERM has been received after install_sigterm_handler().
bool shutdown_requested();

namespace detail {
int run_handler_impl(Handler handler, const RunOptions& options);
int run_streaming_handler_impl(StreamingHandler handler, const RunOptions& options);
// AWS-shaped failure for an escaped exception (type name demangled).
InvocationResponse exception_response(const std::type_info* type, const char* what);
}  // namespace detail

// Runs the event loop: next → handler → response, until SIGTERM (returns 0), max_invocations
// (returns 0) or a fatal Runtime API answer (500, 403, exhausted retries: returns 1).
// An empty handler is reported through /runtime/init/error. When the caller is compiled with
// exceptions, a handler that throws produces an AWS error response instead of terminating.
inline int run_handler(Handler handler, const RunOptions& options = {}) {
#if defined(__cpp_exceptions)
  if (handler) {
    handler = [inner = std::move(handler)](const InvocationRequest& request) {
      try {
        return inner(request);
      } catch (const std::exception& e) {
        return detail::exception_response(NIMBUS_LAMBDA_TYPEID_(e), e.what());
      } catch (...) {
        return detail::exception_response(nullptr, "unknown exception");
      }
    };
  }
#endif
  return detail::run_handler_impl(std::move(handler), options);
}

// Same loop for response streaming: each event gets a ResponseWriter.
inline int run_streaming_handler(StreamingHandler handler, const RunOptions& options = {}) {
#if defined(__cpp_exceptions)
  if (handler) {
    handler = [inner = std::move(handler)](const InvocationRequest& request, ResponseWriter& w) {
      try {
        inner(request, w);
      } catch (const std::exception& e) {
        auto r = detail::exception_response(NIMBUS_LAMBDA_TYPEID_(e), e.what());
        (void)w.fail(r.error_type(), e.what());
      } catch (...) {
        (void)w.fail("Runtime.UnknownException", "unknown exception");
      }
    };
  }
#endif
  return detail::run_streaming_handler_impl(std::move(handler), options);
}

}  // namespace nimbus::lambda
