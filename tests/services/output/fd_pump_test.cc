// A pipe pumped on an event loop: every byte, then on_end while the fd is still open; DrainFd
// takes what is buffered without blocking.
#include "services/output/fd_pump.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace nimbus::output {
namespace {

TEST(FdPumpTest, PumpsUntilEndThenCloses) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  std::string all(100000, 'x');
  all += "end\n";
  boost::asio::io_context io;
  std::string got;
  bool ended = false, open_at_end = false;
  int rfd = p[0];
  boost::asio::co_spawn(io,
                        PumpFd(
                            io.get_executor(), rfd, [&](std::string_view d) { got.append(d); },
                            [&] {
                              ended = true;
                              open_at_end = ::fcntl(rfd, F_GETFD) >= 0;
                            }),
                        boost::asio::detached);
  size_t written = 0;
  while (written < all.size()) {
    ssize_t n = ::write(p[1], all.data() + written, all.size() - written);
    if (n > 0) written += static_cast<size_t>(n);
    io.poll();
  }
  ::close(p[1]);
  io.run();
  EXPECT_EQ(got, all);
  EXPECT_TRUE(ended);
  EXPECT_TRUE(open_at_end);
  EXPECT_LT(::fcntl(rfd, F_GETFD), 0);  // closed by the pump
}

TEST(FdPumpTest, DrainTakesWhatIsBuffered) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  ASSERT_EQ(::write(p[1], "abc", 3), 3);
  std::string got;
  DrainFd(p[0], [&](std::string_view d) { got.append(d); });
  EXPECT_EQ(got, "abc");
  DrainFd(p[0], [&](std::string_view d) { got.append(d); });  // empty: returns at once
  DrainFd(-1, [&](std::string_view) { ADD_FAILURE(); });
  ::close(p[0]);
  ::close(p[1]);
}

}  // namespace
}  // namespace nimbus::output
