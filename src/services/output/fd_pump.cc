#include "services/output/fd_pump.h"

#include <string>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nimbus::output {

namespace asio = boost::asio;

asio::awaitable<void> PumpFd(asio::any_io_executor executor, int fd,
                             std::function<void(std::string_view)> on_data,
                             std::function<void()> on_end, std::function<bool()> hold) {
  asio::posix::stream_descriptor pipe(executor, fd);
  std::string buf(16384, '\0');
  asio::steady_timer wait(executor);
  for (;;) {
    boost::system::error_code ec;
    while (hold && hold()) {
      wait.expires_after(std::chrono::milliseconds(5));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    size_t n = co_await pipe.async_read_some(asio::buffer(buf.data(), buf.size()),
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) on_data(std::string_view(buf.data(), n));
    if (ec) break;
  }
  if (on_end) on_end();
}

}  // namespace nimbus::output
