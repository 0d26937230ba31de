#include "shutdown.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

#include "nimbus/lambda/runtime.h"

namespace nimbus::lambda {
namespace {

std::atomic<int> g_read_fd{-1};
std::atomic<int> g_write_fd{-1};
std::atomic<bool> g_requested{false};

extern "C" void on_sigterm(int) {
  int saved = errno;
  g_requested.store(true);
  int fd = g_write_fd.load();
  if (fd >= 0) {
    char b = 1;
    ssize_t n = ::write(fd, &b, 1);
    (void)n;
  }
  errno = saved;
}

}  // namespace

Status install_sigterm_handler() {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (g_read_fd.load() < 0) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      return Error{ErrorCode::kConfig, std::string("pipe2: ") + std::strerror(errno)};
    }
    g_write_fd.store(fds[1]);
    g_read_fd.store(fds[0]);
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_sigterm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (::sigaction(SIGTERM, &sa, nullptr) != 0) {
    return Error{ErrorCode::kConfig, std::string("sigaction: ") + std::strerror(errno)};
  }
  return {};
}

bool shutdown_requested() { return g_requested.load(); }

namespace internal {
int shutdown_fd() { return g_read_fd.load(); }
}  // namespace internal

}  // namespace nimbus::lambda
