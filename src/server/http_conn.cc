// A connection's reads and writes: every one goes out after the responses held back for a
// pipelining client, under the connection's stall deadline.
#include "server/http_conn.h"

#include <array>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>

namespace nimbus {

namespace asio = boost::asio;
using boost::system::error_code;

asio::awaitable<bool> HttpServer::Conn::Write(std::string_view a, std::string_view b,
                                              std::chrono::seconds timeout) {
  error_code ec;
  std::array<asio::const_buffer, 3> bufs{asio::buffer(held), asio::buffer(a), asio::buffer(b)};
  Arm(timeout);
  co_await asio::async_write(socket, bufs, asio::redirect_error(kAwait, ec));
  Disarm();
  held.clear();
  co_return !ec;
}

asio::awaitable<size_t> HttpServer::Conn::ReadSome(char* dst, size_t max,
                                                   std::chrono::seconds timeout) {
  if (!held.empty() && !co_await Write({}, {}, timeout)) co_return 0;
  error_code ec;
  Arm(timeout);
  size_t n =
      co_await socket.async_read_some(asio::buffer(dst, max), asio::redirect_error(kAwait, ec));
  Disarm();
  co_return ec ? 0 : n;
}

}  // namespace nimbus
