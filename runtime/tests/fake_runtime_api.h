// A scriptable fake Lambda Runtime API for tests: a TCP server on 127.0.0.1 with one thread per
// connection. The script decides the raw bytes sent back to each parsed request.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace nimbus::lambda::testing {

// A request as the fake server parsed it (chunked bodies decoded, trailers kept).
struct FakeRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string body;
  // Value of header (or trailer) `name`, "" if absent.
  std::string header(const std::string& name) const;
  std::string trailer(const std::string& name) const;
};

// What the server does with one request.
struct FakeReply {
  std::string raw;                     // bytes written back (may be garbage or partial)
  bool close_after = false;            // close the connection after writing raw
  std::chrono::milliseconds delay{0};  // wait before answering
  bool hang = false;                   // never answer (until the server stops)
  std::size_t trickle = 0;             // if > 0, send raw in pieces of this many bytes, 1 ms apart
};

// A complete HTTP/1.1 response with Content-Length.
std::string http_reply(int status, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers = {});
// A 200 /next answer carrying an event.
std::string event_reply(const std::string& request_id, const std::string& payload,
                        const std::vector<std::pair<std::string, std::string>>& extra = {});
// 202 {"status":"OK"}.
std::string accepted_reply();

class FakeRuntimeApi {
 public:
  using Script = std::function<FakeReply(const FakeRequest&, int index)>;
  explicit FakeRuntimeApi(Script script);
  ~FakeRuntimeApi();
  FakeRuntimeApi(const FakeRuntimeApi&) = delete;
  FakeRuntimeApi& operator=(const FakeRuntimeApi&) = delete;

  // "127.0.0.1:<port>".
  std::string endpoint() const;
  // Copies of all requests received so far.
  std::vector<FakeRequest> requests();
  // Number of requests received so far (cheap; no copy).
  std::size_t request_count();
  // Number of accepted TCP connections.
  int connections() const { return connections_.load(); }
  // Stops accepting, closes every connection and joins threads.
  void stop();

 private:
  void accept_loop();
  void serve(int fd);
  bool wait_readable(int fd, int timeout_ms);
  bool sleep_or_stop(std::chrono::milliseconds d);

  Script script_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A script that serves `events` (request ids "id-0", "id-1", ...) with payload `payload`,
// accepts every response/error post, and hangs on /next afterwards.
FakeRuntimeApi::Script serve_events(int events, std::string payload);

}  // namespace nimbus::lambda::testing
