#include "server/http_server.h"
#include "server/http_conn.h"
#include "server/response_writer.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace nimbus {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler,
                       HttpExchangeObserver observer)
    : options_(std::move(options)), handler_(std::move(handler)), observer_(std::move(observer)) {
  if (options_.threads == 0) {
    options_.threads = std::max(1u, std::thread::hardware_concurrency());
  }
}

HttpServer::~HttpServer() = default;

namespace {

// Opens, binds and listens `acc` on host:port. SO_REUSEPORT lets every loop share the main port.
boost::system::error_code Open(tcp::acceptor& acc, const tcp::endpoint& endpoint, bool reuse_port) {
  error_code ec;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && reuse_port) {
    acc.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
  }
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(1024, ec);
  return ec;
}

class PrivateListener : public Listener {
 public:
  PrivateListener(std::shared_ptr<HttpServer::Acceptor> acceptor, asio::io_context& ctx,
                  uint16_t port)
      : acceptor_(std::move(acceptor)), ctx_(ctx), port_(port) {}
  ~PrivateListener() override {
    asio::post(ctx_, [a = acceptor_] {
      error_code ignored;
      a->socket.close(ignored);
    });
  }
  uint16_t port() const override { return port_; }

 private:
  std::shared_ptr<HttpServer::Acceptor> acceptor_;
  asio::io_context& ctx_;
  uint16_t port_;
};

}  // namespace

Result<uint16_t> HttpServer::Bind() {
  error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return Status::InvalidArgument("invalid --host '" + options_.host + "': " + ec.message());
  uint16_t port = options_.port;
  for (size_t i = 0; i < options_.threads; ++i) {
    ctxs_.push_back(std::make_unique<asio::io_context>(1));
    auto loop = std::make_unique<Loop>();
    loop->ctx = ctxs_.back().get();
    auto acceptor = std::make_shared<Acceptor>(*loop->ctx, handler_);
    acceptor->handler_reads_body = true;
    ec = Open(acceptor->socket, tcp::endpoint(address, port), true);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" + std::to_string(port) +
                                 ": " + ec.message());
    }
    port = acceptor->socket.local_endpoint().port();  // later loops share the first one's port
    loop->acceptors.push_back(std::move(acceptor));
    loops_.push_back(std::move(loop));
  }
  options_.port = port;
  return port;
}

Result<HttpServer::Loop*> HttpServer::PrivateLoop(size_t loop_index) {
  if (loops_.empty()) return Status::FailedPrecondition("server not bound");
  if (stopping_.load()) return Status::Unavailable("server is shutting down");
  if (loop_index >= loops_.size()) loop_index = next_loop_.fetch_add(1) % loops_.size();
  return loops_[loop_index].get();
}

std::shared_ptr<HttpServer::Acceptor> HttpServer::PrivateAcceptor(Loop& loop, RawHandler handler,
                                                                  bool gateway) {
  if (gateway) {
    auto acceptor = std::make_shared<Acceptor>(*loop.ctx, handler_);
    acceptor->handler_reads_body = true;
    return acceptor;
  }
  auto acceptor = std::make_shared<Acceptor>(*loop.ctx, std::move(handler));
  acceptor->observed = false;
  acceptor->handler_reads_chunked = true;
  acceptor->holds_pipelined = true;
  return acceptor;
}

std::unique_ptr<Listener> HttpServer::StartPrivate(Loop& loop, std::shared_ptr<Acceptor> acceptor) {
  error_code ec;
  uint16_t port = acceptor->socket.local_endpoint(ec).port();
  asio::co_spawn(*loop.ctx, Accept(loop, acceptor), asio::detached);
  return std::make_unique<PrivateListener>(acceptor, *loop.ctx, port);
}

Result<std::unique_ptr<Listener>> HttpServer::Listen(RawHandler handler, size_t loop_index) {
  auto loop = PrivateLoop(loop_index);
  if (!loop.ok()) return loop.error();
  error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  auto acceptor = PrivateAcceptor(**loop, std::move(handler), false);
  ec = Open(acceptor->socket, tcp::endpoint(address, 0), false);
  if (ec) return Status::Unavailable("cannot open a listener: " + ec.message());
  return StartPrivate(**loop, std::move(acceptor));
}

Result<std::unique_ptr<Listener>> HttpServer::Adopt(Loop& loop, std::shared_ptr<Acceptor> acceptor,
                                                    int fd) {
  int listening = 0, domain = 0;
  socklen_t len = sizeof(listening);
  bool ok = ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
  len = sizeof(domain);
  ok = ok && ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
       (domain == AF_INET || domain == AF_INET6);
  error_code ec;
  if (ok) acceptor->socket.assign(domain == AF_INET ? tcp::v4() : tcp::v6(), fd, ec);
  if (!ok || ec) {
    ::close(fd);
    return Status::Unavailable("cannot serve descriptor " + std::to_string(fd) +
                               ": not a listening TCP socket");
  }
  return StartPrivate(loop, std::move(acceptor));
}

Result<std::unique_ptr<Listener>> HttpServer::Serve(int listening_fd, RawHandler handler,
                                                    size_t loop_index) {
  auto loop = PrivateLoop(loop_index);
  if (!loop.ok()) {
    ::close(listening_fd);
    return loop.error();
  }
  return Adopt(**loop, PrivateAcceptor(**loop, std::move(handler), false), listening_fd);
}

Result<std::unique_ptr<Listener>> HttpServer::ServeGateway(int listening_fd, size_t loop_index) {
  auto loop = PrivateLoop(loop_index);
  if (!loop.ok()) {
    ::close(listening_fd);
    return loop.error();
  }
  return Adopt(**loop, PrivateAcceptor(**loop, nullptr, true), listening_fd);
}

void HttpServer::Run() {
  for (auto& loop : loops_) {
    asio::co_spawn(*loop->ctx, Accept(*loop, loop->acceptors.front()), asio::detached);
    asio::co_spawn(*loop->ctx, Sweep(*loop), asio::detached);
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < ctxs_.size(); ++i) {
    threads.emplace_back([ctx = ctxs_[i].get()] { ctx->run(); });
  }
  ctxs_[0]->run();
  for (auto& t : threads) t.join();
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  for (auto& loop : loops_) {
    asio::post(*loop->ctx, [l = loop.get()] {
      error_code ignored;
      for (auto& a : l->acceptors) a->socket.close(ignored);
      for (Conn* c : l->conns) {
        if (!c->busy) c->socket.close(ignored);
      }
    });
  }
  asio::co_spawn(*ctxs_[0], Drain(), asio::detached);
}

asio::awaitable<void> HttpServer::Drain() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  while (live_sessions_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(5));
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(kAwait, ec));
  }
  for (auto& ctx : ctxs_) ctx->stop();
}

asio::awaitable<void> HttpServer::Sweep(Loop& loop) {
  asio::steady_timer timer(*loop.ctx);
  for (;;) {  // ends when Drain() stops the loop
    timer.expires_after(kSweepInterval);
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(kAwait, ec));
    const auto now = Conn::Clock::now();
    for (Conn* c : loop.conns) {
      if (c->deadline <= now) {
        c->deadline = Conn::Clock::time_point::max();
        // The pending read or write fails and the session ends; after a read it may still
        // answer (a write has its own deadline), after a write nothing more can go out.
        if (c->reading) {
          c->socket.cancel(ec);
        } else {
          c->socket.close(ec);
        }
      }
    }
  }
}

void HttpServer::Refuse(Conn& conn) {
  // Best effort and without waiting: the answer fits any socket buffer. What the client sent
  // already is discarded first so that closing does not reset the connection under the answer.
  HttpResponse r = HttpLevelError(503, "nimbus is serving as many connections as it can; retry");
  std::string out = BuildResponseHead(r, r.body.size(), false) + r.body;
  const int fd = conn.socket.native_handle();
  char scratch[4096];
  for (int i = 0; i < 16 && ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; ++i) {
  }  // at most 64 KiB: a client that keeps sending cannot hold the accept loop
  (void)::send(fd, out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  error_code ignored;
  conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
  conn.socket.close(ignored);
}

HttpServer::Loop& HttpServer::LeastLoaded(Loop& own) {
  Loop* best = &own;
  for (auto& l : loops_) {
    if (l->main_conns.load(std::memory_order_relaxed) <
        best->main_conns.load(std::memory_order_relaxed)) {
      best = l.get();
    }
  }
  return *best;
}

asio::awaitable<void> HttpServer::Accept(Loop& loop, std::shared_ptr<Acceptor> acceptor) {
  // The kernel spreads the main port's connections over the loops' SO_REUSEPORT sockets by a
  // hash of their addresses: two keep-alive clients land on one loop half the time. A main-port
  // connection goes to the loop serving the fewest when it arrives (its descriptor moved to
  // that loop's context, its session started there); a private listener's stays on its loop.
  const bool main_port = acceptor == loop.acceptors.front();
  for (;;) {
    error_code ec;
    auto conn = std::make_unique<Conn>(*loop.ctx);
    co_await acceptor->socket.async_accept(conn->socket, asio::redirect_error(kAwait, ec));
    if (ec) {
      if (stopping_.load() || ec == asio::error::operation_aborted || !acceptor->socket.is_open()) {
        co_return;
      }
      if (ec == asio::error::no_descriptors) {  // EMFILE: back off instead of spinning
        asio::steady_timer t(*loop.ctx, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(kAwait, ec));
      }
      continue;
    }
    conn->socket.set_option(tcp::no_delay(true), ec);
    if (main_port && options_.max_connections > 0 &&
        static_cast<size_t>(live_sessions_.load(std::memory_order_relaxed)) >=
            options_.max_connections) {
      Refuse(*conn);
      continue;
    }
    if (!main_port) {
      asio::co_spawn(*loop.ctx, Session(loop, std::move(conn), acceptor), asio::detached);
      continue;
    }
    Loop& target = LeastLoaded(loop);
    if (&target != &loop) {
      const auto protocol = conn->socket.local_endpoint(ec).protocol();
      const int fd = ec ? -1 : conn->socket.release(ec);  // -1: `conn` still owns it
      auto moved = std::make_unique<Conn>(*target.ctx);
      if (!ec) moved->socket.assign(protocol, fd, ec);
      if (ec) {  // the connection is closed; the client sees a reset
        if (fd >= 0) ::close(fd);
        continue;
      }
      conn = std::move(moved);
    }
    target.main_conns.fetch_add(1, std::memory_order_relaxed);  // Session() ends the count
    asio::co_spawn(*target.ctx, Session(target, std::move(conn), target.acceptors.front()),
                   asio::detached);
  }
}

}  // namespace nimbus
