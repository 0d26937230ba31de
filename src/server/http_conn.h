// Internal to the HTTP server: one connection's socket, I/O deadline and held responses, and
// the loop state.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/http_server.h"

namespace nimbus {

inline constexpr auto kAwait = boost::asio::use_awaitable;

// A connection's socket and the deadline of its current read or write. Lives on one loop's
// thread.
struct HttpServer::Conn {
  using Clock = std::chrono::steady_clock;
  explicit Conn(boost::asio::io_context& ctx) : socket(ctx) {}
  boost::asio::ip::tcp::socket socket;
  Clock::time_point deadline = Clock::time_point::max();
  bool busy = false;  // a request is being handled; drain waits for it
  // Responses kept back while the client's next request is already buffered (pipelining, on
  // private listeners: see ListenerFactory::Listen). Write() sends them first, and ReadSome()
  // sends them before it waits: the client may be waiting for them before it sends more.
  std::string held;
  // Bytes arrived since the last response went out: the client is sending a request in pieces.
  // A read that then has to wait first acknowledges them at once (TCP_QUICKACK): a client that
  // writes head and body separately without TCP_NODELAY (Python's http.client) holds the body
  // under Nagle until its head is acknowledged, and Linux delays that ACK up to 40 ms on a
  // connection that already exchanged responses.
  bool mid_request = false;
  // ReadSome is waiting: at its deadline the sweep cancels that read rather than closing the
  // socket, so the session can still tell the client why (408) before it closes.
  bool reading = false;

  // Sends `held` (then cleared), `a`, `b` and `c` in one gathered write. False on error or
  // stall. The views must stay valid until the write is done.
  boost::asio::awaitable<bool> Write(std::string_view a, std::string_view b, std::string_view c,
                                     std::chrono::seconds timeout);
  boost::asio::awaitable<bool> Write(std::string_view a, std::string_view b,
                                     std::chrono::seconds timeout) {
    return Write(a, b, {}, timeout);
  }
  // Reads what the socket has (at most `max` bytes) into `dst`, after sending `held` (and
  // acknowledging at once what arrived, when mid_request). 0 on EOF, error or stall.
  boost::asio::awaitable<size_t> ReadSome(char* dst, size_t max, std::chrono::seconds timeout) {
    return ReadSome(dst, max, Clock::now() + timeout);
  }
  // The same with an absolute deadline for the read (an overall deadline, e.g. for a head).
  boost::asio::awaitable<size_t> ReadSome(char* dst, size_t max, Clock::time_point deadline);
  // Waits until the socket takes more bytes, at most `timeout` (the stall deadline restarts
  // with each wait, so a slow reader that keeps reading is not cut off). False on error or
  // stall.
  boost::asio::awaitable<bool> WaitWritable(std::chrono::seconds timeout);

  // The loop's sweep (HttpServer::Sweep, every kSweepInterval) closes the socket (or cancels
  // a ReadSome) if the next I/O has not finished `timeout` from now. A deadline instead of a timer per I/O: arming and
  // cancelling an Asio timer costs two reactor operations and a completion per read or write.
  void Arm(std::chrono::seconds timeout) { deadline = Clock::now() + timeout; }
  void ArmUntil(Clock::time_point until) { deadline = until; }
  void Disarm() { deadline = Clock::time_point::max(); }
};

// How often each loop looks for stalled connections (the slack on every stall timeout).
inline constexpr std::chrono::milliseconds kSweepInterval{250};

// A listening socket and the handler for requests arriving through it. Shared by the accept
// loop and its sessions; the socket itself is touched only on its loop's thread.
struct HttpServer::Acceptor {
  Acceptor(boost::asio::io_context& ctx, HttpHandler h) : socket(ctx), handler(std::move(h)) {}
  boost::asio::ip::tcp::acceptor socket;
  HttpHandler handler;
  bool handler_reads_body = false;     // the main port's: request.body_stream (HttpServer)
  bool handler_reads_chunked = false;  // private listeners': chunked bodies only (Listen)
  bool observed = true;                // requests reach the exchange observer (the access log)
  bool holds_pipelined = false;        // private listeners': see ListenerFactory::Listen
};

struct HttpServer::Loop {
  boost::asio::io_context* ctx = nullptr;
  std::vector<std::shared_ptr<Acceptor>> acceptors;  // the main port's, one per loop
  std::list<Conn*> conns;  // live connections of this loop (touched only on its thread)
  // Main-port connections served by this loop, counted from the accept that chose it to the
  // end of the session (read by every loop's accept to pick the least loaded).
  std::atomic<int> main_conns{0};
};

}  // namespace nimbus
