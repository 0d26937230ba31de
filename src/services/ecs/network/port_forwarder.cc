#include "services/ecs/network/port_forwarder.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <list>
#include <utility>

#include "sandbox/netns.h"

namespace nimbus::ecs {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using Socket = std::shared_ptr<tcp::socket>;

// Everything the forwarder's coroutines share; touched only on its loop once opened.
struct ForwarderState {
  ForwarderState(asio::io_context& l, ForwardTarget t)
      : loop(l), acceptor(l), target(std::move(t)) {}
  asio::io_context& loop;
  tcp::acceptor acceptor;
  ForwardTarget target;
  std::list<std::weak_ptr<tcp::socket>> live;  // forwarded connections' sockets, to close
  bool closed = false;

  void Track(const Socket& s) {
    live.remove_if([](const auto& w) { return w.expired(); });
    live.push_back(s);
  }
  void Close() {
    closed = true;
    error_code ignored;
    acceptor.close(ignored);
    for (auto& w : live) {
      if (auto s = w.lock()) s->close(ignored);
    }
    live.clear();
  }
};

// Copies `from` to `to` until `from` ends, then passes the end on (a half-close).
asio::awaitable<void> Pump(Socket from, Socket to) {
  std::array<char, 16384> buf;
  for (;;) {
    error_code ec;
    size_t n = co_await from->async_read_some(asio::buffer(buf),
                                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(*to, asio::buffer(buf.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      from->close(ec);
      break;
    }
  }
  error_code ignored;
  to->shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Forward(std::shared_ptr<ForwarderState> state, Socket client) {
  // A socket of the task's namespace reaches the task's address; made on a short-lived thread
  // (tens of microseconds of this loop's time per connection).
  auto fd = sandbox::TcpSocketIn(state->target.netns);
  if (!fd.ok() || state->closed) co_return;
  auto inner = std::make_shared<tcp::socket>(state->loop);
  error_code ec;
  inner->assign(tcp::v4(), fd->release(), ec);
  if (ec) co_return;
  state->Track(inner);
  tcp::endpoint to(asio::ip::make_address_v4(state->target.address, ec), state->target.port);
  if (ec) co_return;
  co_await inner->async_connect(to, asio::redirect_error(asio::use_awaitable, ec));
  if (ec || state->closed) co_return;  // closing the client tells it: nothing listens there
  client->set_option(tcp::no_delay(true), ec);
  inner->set_option(tcp::no_delay(true), ec);
  asio::co_spawn(state->loop, Pump(client, inner), asio::detached);
  co_await Pump(inner, client);
}

asio::awaitable<void> Accept(std::shared_ptr<ForwarderState> state) {
  for (;;) {
    error_code ec;
    tcp::socket client =
        co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (state->closed) co_return;
    if (ec) {  // out of descriptors, say: wait rather than spin
      asio::steady_timer pause(state->loop, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto socket = std::make_shared<tcp::socket>(std::move(client));
    state->Track(socket);
    asio::co_spawn(state->loop, Forward(state, socket), asio::detached);
  }
}

class Forwarder : public PortForwarder {
 public:
  Forwarder(std::shared_ptr<ForwarderState> state, uint16_t port)
      : state_(std::move(state)), port_(port), native_(state_->acceptor.native_handle()) {}
  ~Forwarder() override {
    // The port refuses connections from now on (shutdown of a listening socket is a plain
    // syscall, safe beside the loop's pending accept, which it ends); the loop then closes
    // the acceptor and the forwarded connections.
    ::shutdown(native_, SHUT_RDWR);
    asio::post(state_->loop, [s = state_] { s->Close(); });
  }
  uint16_t port() const override { return port_; }

 private:
  std::shared_ptr<ForwarderState> state_;
  uint16_t port_;
  int native_;  // the listening socket's descriptor, closed only by the loop after shutdown
};

}  // namespace

Result<std::unique_ptr<PortForwarder>> PortForwarder::Open(asio::io_context& loop,
                                                           uint16_t host_port,
                                                           ForwardTarget target) {
  auto state = std::make_shared<ForwarderState>(loop, std::move(target));
  const std::string where = "127.0.0.1:" + std::to_string(host_port);
  error_code ec;
  tcp::acceptor& a = state->acceptor;
  a.open(tcp::v4(), ec);
  // Asio opens sockets without CLOEXEC: no process nimbus starts may keep the port open.
  if (!ec) ::fcntl(a.native_handle(), F_SETFD, FD_CLOEXEC);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(tcp::endpoint(asio::ip::address_v4::loopback(), host_port), ec);
  if (ec == asio::error::address_in_use) {
    return Status::Unavailable("Bind for " + where + " failed: port is already allocated");
  }
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("listen on " + where + ": " + ec.message());
  uint16_t port = a.local_endpoint(ec).port();
  asio::co_spawn(loop, Accept(state), asio::detached);
  return std::unique_ptr<PortForwarder>(std::make_unique<Forwarder>(std::move(state), port));
}

}  // namespace nimbus::ecs
