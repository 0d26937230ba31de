// Internal: RuntimeClient::Impl, shared by the client and the response writer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http_connection.h"
#include "nimbus/lambda/client.h"

namespace nimbus::lambda {

struct RuntimeClient::Impl {
  Impl(ClientOptions opts, std::string host, std::string port);

  // One request with retries on transient failures. Returns the 2xx response or the error.
  // `is_next`: no timeout, interruptible by SIGTERM; when a GET /next was already sent on this
  // connection (next_sent_on), only its answer is read. `then_next`: GET /next is sent in the
  // same write (options.pipeline_next), and the answer to `head` may then come only once an
  // event is ready, so it is awaited like /next's.
  Result<internal::HttpResponse> exchange(std::string_view head, std::string_view body,
                                          bool is_next, std::size_t max_body,
                                          bool then_next = false);
  // "<METHOD> /2018-06-01/<path> HTTP/1.1" plus Host and User-Agent lines (no blank line).
  std::string request_head(std::string_view method, std::string_view path) const;
  // Posts an AWS error JSON body to `path` with the error type header (`then_next`: see
  // exchange()).
  Status post_error(std::string_view path, std::string_view error_type, std::string_view json,
                    bool then_next = false);
  // Deadline for one non-/next attempt.
  internal::Wait io_wait() const;
  // Sleeps for `delay`; false if SIGTERM arrived meanwhile and `interruptible`.
  static bool backoff_sleep(std::chrono::milliseconds delay, bool interruptible);

  ClientOptions options;
  std::string endpoint;  // host:port as given
  std::string host_line;
  std::string next_head;           // pre-built GET /next request
  std::uint64_t next_sent_on = 0;  // conn.id() of a pipelined GET /next awaiting its answer
  internal::HttpConnection conn;
};

// Splits "host:port" or "[v6]:port". kConfig on malformed input.
Status parse_endpoint(std::string_view endpoint, std::string& host, std::string& port);
// Maps a non-2xx response to an Error (400/403/413/500/other).
Error status_error(const internal::HttpResponse& response);

inline constexpr std::size_t kMaxReplyBytes = 1u << 20;

}  // namespace nimbus::lambda
