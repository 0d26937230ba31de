// Low-level Runtime API client, for users who drive the event loop themselves.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "nimbus/lambda/invocation.h"
#include "nimbus/lambda/status.h"

namespace nimbus::lambda {

// Tuning for RuntimeClient. Defaults suit Lambda and nimbus.
struct ClientOptions {
  // host:port of the Runtime API (IPv6 as [addr]:port). Empty: $AWS_LAMBDA_RUNTIME_API.
  std::string endpoint;
  // Attempts per call for transient failures (connection errors, garbage, 5xx except 500).
  int max_attempts = 5;
  // Backoff between attempts: doubles from initial_backoff up to max_backoff.
  std::chrono::milliseconds initial_backoff{10};
  std::chrono::milliseconds max_backoff{1000};
  // Deadline for each attempt of respond/fail/init_error/streaming (0: none).
  // GET /next never times out: the sandbox may be frozen while it waits.
  std::chrono::milliseconds io_timeout{60000};
  // Largest event accepted from /next; bigger ones count as a protocol error.
  std::size_t max_event_bytes = 64u << 20;
  // Export each event's trace id as the _X_AMZN_TRACE_ID environment variable.
  bool set_trace_env = true;
  // respond() and fail() send GET /next in the same write as their POST (HTTP pipelining: one
  // send and one server wake-up fewer per event; not for payloads over 6 MB, which the Runtime
  // API refuses). Only for a loop whose next call on the client is always next(): the Runtime
  // API treats the environment as waiting for work from then on, and may answer the POST only
  // when the next event is ready. run_handler() sets it: on unless RunOptions::max_invocations
  // limits the loop.
  bool pipeline_next = false;
};

class ResponseWriter;

// A connection to the Runtime API (HTTP/1.1 keep-alive over TCP, TCP_NODELAY).
// Not thread-safe: use one client per thread. Move-only.
class RuntimeClient {
 public:
  // Validates options (endpoint syntax) without connecting. kConfig if the endpoint is unusable.
  static Result<RuntimeClient> create(ClientOptions options = {});

  RuntimeClient(RuntimeClient&&) noexcept;
  RuntimeClient& operator=(RuntimeClient&&) noexcept;
  ~RuntimeClient();

  // Blocks until the next event. kShutdown if SIGTERM arrived (see install_sigterm_handler()).
  Result<InvocationRequest> next();
  // Posts `response` to .../response when it is a success, .../error otherwise.
  Status respond(std::string_view request_id, const InvocationResponse& response);
  // Posts a function error (AWS error JSON) to /runtime/invocation/{id}/error.
  Status fail(std::string_view request_id, std::string_view error_type,
              std::string_view error_message);
  // Posts to /runtime/init/error. The runtime should exit afterwards.
  Status init_error(std::string_view error_type, std::string_view error_message);
  // Starts a streamed response for `request_id`. Nothing is sent until the first write.
  // The client must outlive the writer and must not be used while the writer is open.
  ResponseWriter stream(std::string_view request_id,
                        std::string_view content_type = "application/octet-stream");

  // Endpoint in use (host:port).
  const std::string& endpoint() const;

  struct Impl;

 private:
  explicit RuntimeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A streamed response (Lambda-Runtime-Function-Response-Mode: streaming, chunked encoding).
// Move-only. Destroying an open writer finishes it.
class ResponseWriter {
 public:
  ResponseWriter(ResponseWriter&&) noexcept;
  ResponseWriter& operator=(ResponseWriter&&) = delete;
  ~ResponseWriter();

  // Sends `bytes` as one chunk (empty writes are skipped). Sends the headers first if needed.
  Status write(std::string_view bytes);
  // Ends the stream and waits for the Runtime API's answer. Idempotent.
  Status finish();
  // Reports a function error. Before the first byte it posts to .../error; afterwards it ends
  // the stream with the Lambda-Runtime-Function-Error-Type/-Body (base64 JSON) trailers.
  Status fail(std::string_view error_type, std::string_view error_message);
  // Sets the Content-Type sent with the headers; ignored once started().
  void set_content_type(std::string_view content_type) {
    if (!started_) content_type_.assign(content_type);
  }
  // True once the response headers have been sent.
  bool started() const { return started_; }
  // True once finish() or fail() has run.
  bool finished() const { return finished_; }

 private:
  friend class RuntimeClient;
  ResponseWriter(RuntimeClient::Impl* client, std::string request_id, std::string content_type);
  Status start();

  RuntimeClient::Impl* client_;
  std::string request_id_;
  std::string content_type_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace nimbus::lambda
