// Reading a process's output pipes: all at once without blocking (DrainFd), or as it comes on
// an event loop (PumpFd).
#pragma once

#include <unistd.h>

#include <functional>
#include <string_view>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace nimbus::output {

// Reads what is buffered in non-blocking pipe `fd` now, bounded (64 reads of 16 KiB) so a chatty
// writer can't stall the caller; sink(std::string_view) gets each chunk. fd < 0: nothing.
template <typename Sink>
void DrainFd(int fd, Sink&& sink) {
  if (fd < 0) return;
  char buf[16384];
  for (int rounds = 0; rounds < 64; ++rounds) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    sink(std::string_view(buf, static_cast<size_t>(n)));
    if (static_cast<size_t>(n) < sizeof buf) break;  // a short read emptied the pipe
  }
}

// Reads `fd` (owned: closed when this returns) on `executor` until end of file or an error,
// calling on_data with each chunk, then on_end while `fd` is still open (so whoever publishes
// the fd elsewhere can withdraw it before its number is reused). While `hold` (optional) says
// true, reading waits (rechecked every 5 ms), so the writer blocks once the pipe fills: a
// blocking log driver's back-pressure. Callbacks run on `executor`.
boost::asio::awaitable<void> PumpFd(boost::asio::any_io_executor executor, int fd,
                                    std::function<void(std::string_view)> on_data,
                                    std::function<void()> on_end,
                                    std::function<bool()> hold = nullptr);

}  // namespace nimbus::output
