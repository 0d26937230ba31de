// Internal to the HTTP server: one connection's socket and its stall timer, and the loop state.
#pragma once

#include <chrono>
#include <list>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/http_server.h"

namespace nimbus {

inline constexpr auto kAwait = boost::asio::use_awaitable;

// A connection's socket plus the timer that closes it when a read or write stalls.
// Lives on one loop's thread.
struct HttpServer::Conn {
  explicit Conn(boost::asio::io_context& ctx) : socket(ctx), timer(ctx) {}
  boost::asio::ip::tcp::socket socket;
  boost::asio::steady_timer timer;
  bool busy = false;  // a request is being handled; drain waits for it

  // Closes the socket if the next I/O does not finish within `timeout`.
  void Arm(std::chrono::seconds timeout) {
    timer.expires_after(timeout);
    timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) {
        boost::system::error_code ignored;
        socket.close(ignored);
      }
    });
  }
  void Disarm() { timer.cancel(); }
};

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
};

}  // namespace nimbus
