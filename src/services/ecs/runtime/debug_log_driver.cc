#include "services/ecs/runtime/debug_log_driver.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string_view>
#include <thread>

#include "services/output/line_splitter.h"

namespace nimbus::ecs {
namespace {

class DebugLog : public ContainerLog {
 public:
  DebugLog(std::string prefix, bool echo) : prefix_(std::move(prefix)), echo_(echo) {}
  ~DebugLog() override {
    if (reader_.joinable()) reader_.join();
  }

  void Attach(sandbox::UniqueFd out, sandbox::UniqueFd err) override {
    reader_ = std::thread([this, out = std::move(out), err = std::move(err)]() mutable {
      Drain(out, err);
    });
  }

 private:
  void Drain(sandbox::UniqueFd& out, sandbox::UniqueFd& err) {
    // A line too long to keep for a debug echo is echoed in 64 KiB pieces.
    output::LineSplitter lines[2] = {output::LineSplitter(65536), output::LineSplitter(65536)};
    auto echo = [this](std::string line) {
      if (echo_) std::fprintf(stderr, "%s%s\n", prefix_.c_str(), line.c_str());
    };
    struct pollfd fds[2] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
    int open = (fds[0].fd >= 0) + (fds[1].fd >= 0);
    char buf[16384];
    while (open > 0) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          lines[i].Flush(echo);
          fds[i].fd = -1;
          --open;
          continue;
        }
        lines[i].Feed(std::string_view(buf, static_cast<size_t>(n)), echo);
      }
    }
  }

  std::string prefix_;
  bool echo_;
  std::thread reader_;
};

class DebugLogDriver : public LogDriver {
 public:
  explicit DebugLogDriver(bool echo) : echo_(echo) {}
  Result<std::unique_ptr<ContainerLog>> Open(const ContainerLogRequest& r) override {
    return std::unique_ptr<ContainerLog>(
        std::make_unique<DebugLog>("ecs " + r.task_id + "/" + r.container_name + ": ", echo_));
  }

 private:
  bool echo_;
};

}  // namespace

std::unique_ptr<LogDriver> MakeDebugLogDriver(bool echo) {
  return std::make_unique<DebugLogDriver>(echo);
}

}  // namespace nimbus::ecs
