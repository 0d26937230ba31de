// Internal: a minimal HTTP/1.1 client connection over a non-blocking POSIX TCP socket.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nimbus/lambda/status.h"

namespace nimbus::lambda::internal {

using Clock = std::chrono::steady_clock;

// How long a blocking step may wait, and whether SIGTERM interrupts it (kShutdown).
struct Wait {
  std::optional<Clock::time_point> deadline;  // nullopt: wait forever
  bool interruptible = false;
};

// A parsed HTTP response.
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // First header named `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// One keep-alive connection. Reconnect by calling connect() after close().
class HttpConnection {
 public:
  HttpConnection(std::string host, std::string port)
      : host_(std::move(host)), port_(std::move(port)) {}
  ~HttpConnection() { close(); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool is_open() const { return fd_ >= 0; }
  // Names the current connection: changes on every connect(), 0 while closed.
  std::uint64_t id() const { return fd_ >= 0 ? connects_ : 0; }
  // Opens the TCP connection (TCP_NODELAY), trying each resolved address.
  Status connect(const Wait& wait);
  // Sends every byte of `parts` in order (gathered writes, no copy).
  Status send(std::initializer_list<std::string_view> parts, const Wait& wait);
  // Reads one response (skipping 1xx). Bodies over `max_body` bytes are a protocol error.
  // Closes the connection afterwards when the server asked for it or on any error.
  Result<HttpResponse> read_response(const Wait& wait, std::size_t max_body);
  void close();

 private:
  Status wait_io(short events, const Wait& wait);
  Status fill(const Wait& wait);
  Result<std::string_view> read_line(const Wait& wait, std::size_t limit);
  Status read_exact(std::size_t n, std::string& out, const Wait& wait);
  Result<HttpResponse> read_one(const Wait& wait, std::size_t max_body, bool& close_after);
  Status read_chunked(std::string& body, const Wait& wait, std::size_t max_body);
  Status read_to_eof(std::string& body, const Wait& wait, std::size_t max_body);

  std::string host_;
  std::string port_;
  int fd_ = -1;
  std::uint64_t connects_ = 0;       // connect() calls so far
  std::string buf_;                  // bytes received but not consumed
  std::size_t pos_ = 0;              // start of unconsumed bytes in buf_
  std::unique_ptr<char[]> scratch_;  // recv() target, kReadChunk bytes once allocated
};

}  // namespace nimbus::lambda::internal
