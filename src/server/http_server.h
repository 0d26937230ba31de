// The HTTP/1.1 server: one Asio event loop per thread (SO_REUSEPORT acceptors; each main-port
// connection is served by the loop with the fewest), a C++20 coroutine per connection,
// keep-alive, TCP_NODELAY, chunked request bodies, Expect: 100-continue, head/body/idle limits
// answered with AWS-shaped 4xx, an overall deadline per request head and a minimum body rate,
// a connection cap answered 503, sendfile for file bodies, graceful drain on Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/http.h"
#include "core/http_parser.h"
#include "core/status.h"
#include "protocol/listener.h"

namespace nimbus {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;  // 0 picks a free port
  size_t threads = 0;    // 0 = one per core
  HttpLimits limits;
  std::chrono::seconds idle_timeout{75};  // between requests, and per read or write stall
  // A request head must be complete this long after its first byte (a new connection's first
  // head: after the accept), however it trickles in; then the connection is closed.
  std::chrono::seconds head_timeout{20};
  // Main-port request bodies must arrive at this average rate (bytes/s) once body_grace has
  // passed since their first read; 0 = no minimum (each read still waits at most idle_timeout).
  uint64_t body_min_rate = 1024;
  std::chrono::seconds body_grace{10};
  // Open connections (all listeners) beyond which a new main-port connection is answered 503
  // and closed; 0 = no cap.
  size_t max_connections = 0;
  std::chrono::seconds drain_timeout{30};  // Stop() waits this long for in-flight requests
};

// Called once per request, on the connection's event-loop thread. The returned response is
// written by the server. Must not throw (the server answers 500 if it does).
// The main port's handler is called once the head is read: a request with a body carries it in
// request.body_stream (core/http_body.h), to read whole (ReadRequestBody) or piece by piece; up
// to 1 MiB it leaves unread is drained, more closes the connection after the response. Handlers
// of private listeners (Listen) get a Content-Length body whole in request.body and a chunked
// one in request.body_stream (the sender streams it: e.g. a Lambda streamed response).
using HttpHandler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

// Called after each response is written (or failed), for the access log. `bytes` is the body
// size sent; `latency` covers read-complete to write-complete.
using HttpExchangeObserver = std::function<void(const HttpRequest&, const HttpResponse&,
                                                uint64_t bytes, std::chrono::nanoseconds latency)>;

class HttpServer : public ListenerFactory {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler, HttpExchangeObserver observer);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Creates the event loops and binds the listening sockets. Returns the bound port.
  Result<uint16_t> Bind();
  // Event loops, one per thread (valid after Bind). Services may post work to them.
  const std::vector<std::unique_ptr<boost::asio::io_context>>& contexts() const { return ctxs_; }
  // Serves on all threads; blocks until Stop() has drained and the loops ended.
  void Run();
  // Thread-safe and idempotent: stop accepting, close idle connections, let in-flight requests
  // finish (up to drain_timeout), then end the event loops.
  void Stop();
  // ListenerFactory: a private listener on a free port of the served host (after Bind).
  Result<std::unique_ptr<Listener>> Listen(RawHandler handler, size_t loop = kAnyLoop) override;
  Result<std::unique_ptr<Listener>> Serve(int listening_fd, RawHandler handler,
                                          size_t loop = kAnyLoop) override;
  Result<std::unique_ptr<Listener>> ServeGateway(int listening_fd, size_t loop = kAnyLoop) override;

  // Internal to the server's implementation files (http_conn.h).
  struct Loop;
  struct Conn;
  struct Acceptor;

 private:
  boost::asio::awaitable<void> Accept(Loop& loop, std::shared_ptr<Acceptor> acceptor);
  // Checks the server can take a private listener and picks its loop (round robin for kAnyLoop).
  Result<Loop*> PrivateLoop(size_t loop_index);
  // A private acceptor on `loop`: the main port's handling with `gateway`, else `handler`'s.
  std::shared_ptr<Acceptor> PrivateAcceptor(Loop& loop, RawHandler handler, bool gateway);
  // Serves `fd` (owned; closed on failure) with `acceptor`, which must not be open yet.
  Result<std::unique_ptr<Listener>> Adopt(Loop& loop, std::shared_ptr<Acceptor> acceptor, int fd);
  // Starts accepting on `acceptor` (open and listening) and wraps it as a Listener.
  std::unique_ptr<Listener> StartPrivate(Loop& loop, std::shared_ptr<Acceptor> acceptor);
  // The loop with the fewest main-port connections (`own` on a tie). Any thread.
  Loop& LeastLoaded(Loop& own);
  boost::asio::awaitable<void> Session(Loop& loop, std::unique_ptr<Conn> conn,
                                       std::shared_ptr<Acceptor> acceptor);
  // Answers a main-port connection over max_connections with 503 and closes it.
  void Refuse(Conn& conn);
  boost::asio::awaitable<void> Drain();
  // Closes the loop's connections whose read or write is past its deadline (Conn::Arm).
  boost::asio::awaitable<void> Sweep(Loop& loop);

  HttpServerOptions options_;
  HttpHandler handler_;  // for the main port
  HttpExchangeObserver observer_;
  std::vector<std::unique_ptr<boost::asio::io_context>> ctxs_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> live_sessions_{0};  // open connections of every listener
  std::atomic<size_t> next_loop_{0};   // round robin for private listeners
};

}  // namespace nimbus
