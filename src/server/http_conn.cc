// A connection's reads and writes: every one goes out after the responses held back for a
// pipelining client, under the connection's stall deadline.
//
// A write tries the socket first with a non-blocking sendmsg and waits in the event loop only
// when the socket is full. An Asio write that completes at once still hands its completion
// through the loop's queue (a reactor pass and a coroutine resume), and a response almost
// always fits the socket buffer. Reads stay with Asio: its reactor knows when a speculative
// read would only fail (edge-triggered epoll), where a read of our own would cost a failed
// recv or a re-arming epoll_ctl whenever the peer has not sent yet.
#include "server/http_conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <tuple>

#include <boost/asio/redirect_error.hpp>

namespace nimbus {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

using Parts = std::array<std::string_view, 4>;

// Sends what it can of `parts` (advancing them past what was sent) without blocking. False on
// a socket error; true when all was sent or the socket is full.
bool SendNow(int fd, Parts& parts) {
  for (;;) {
    std::array<iovec, std::tuple_size_v<Parts>> iov;
    int count = 0;
    for (auto& p : parts) {
      if (p.empty()) continue;
      iov[static_cast<size_t>(count++)] = {const_cast<char*>(p.data()), p.size()};
    }
    if (count == 0) return true;
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    auto sent = static_cast<size_t>(n);
    for (auto& p : parts) {
      size_t k = std::min(sent, p.size());
      p.remove_prefix(k);
      sent -= k;
    }
  }
}

}  // namespace

asio::awaitable<bool> HttpServer::Conn::Write(std::string_view a, std::string_view b,
                                              std::string_view c, std::chrono::seconds timeout) {
  Parts parts{held, a, b, c};
  mid_request = false;
  bool ok = true;
  for (;;) {
    ok = SendNow(socket.native_handle(), parts);
    if (!ok || std::all_of(parts.begin(), parts.end(), [](auto p) { return p.empty(); })) break;
    ok = co_await WaitWritable(timeout);  // the socket is full
    if (!ok) break;
  }
  held.clear();
  co_return ok;
}

asio::awaitable<bool> HttpServer::Conn::WaitWritable(std::chrono::seconds timeout) {
  error_code ec;
  Arm(timeout);
  co_await socket.async_wait(asio::ip::tcp::socket::wait_write, asio::redirect_error(kAwait, ec));
  Disarm();
  co_return !ec;
}

asio::awaitable<size_t> HttpServer::Conn::ReadSome(char* dst, size_t max, Clock::time_point until) {
  if (!held.empty()) {
    auto left = std::chrono::ceil<std::chrono::seconds>(until - Clock::now());
    if (!co_await Write({}, {}, std::max(left, std::chrono::seconds(1)))) co_return 0;
  }
  error_code ec;
  if (mid_request) {
    // Only here, on a request that came in pieces: one system call, not one per read.
    int one = 1;
    (void)::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  ArmUntil(until);
  reading = true;
  size_t n =
      co_await socket.async_read_some(asio::buffer(dst, max), asio::redirect_error(kAwait, ec));
  reading = false;
  Disarm();
  if (!ec && n > 0) mid_request = true;
  co_return ec ? 0 : n;
}

}  // namespace nimbus
