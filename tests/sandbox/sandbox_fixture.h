// Shared fixture for the real (root-only) sandbox tests.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "sandbox/sandbox.h"
#include "sandbox/test_util.h"

namespace nimbus::sandbox::testing {

struct RunResult {
  std::string out, err;
  ExitStatus status;
};

// Drains stdout and stderr until both reach EOF, then waits.
inline RunResult Collect(Sandbox& sb) {
  RunResult r;
  struct pollfd fds[2] = {{sb.stdout_fd(), POLLIN, 0}, {sb.stderr_fd(), POLLIN, 0}};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, 20000) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  r.status = sb.Wait();
  return r;
}

inline int CountFds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (d && ::readdir(d)) ++n;
  if (d) ::closedir(d);
  return n;
}

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void Start() {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, mounts, cgroups)";
    SandboxManagerOptions o;
    o.state_dir = state_.path();
    o.cgroup_parent = "nimbus-test";
    o.isolation = isolation_;
    o.use_cgroups = use_cgroups_;
    o.user_namespace = user_namespace_;
    auto m = SandboxManager::Create(o);
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    manager_ = std::move(*m);
    std::printf("%s\n", manager_->capabilities().Describe().c_str());
    code_.Write("hello.txt", "hi from task\n");
  }

 public:
  SandboxSpec Shell(const std::string& script) {
    SandboxSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "A=1"};
    s.code_dir = code_.path();
    s.hostname = "nimbus-test";
    return s;
  }

  RunResult Run(const SandboxSpec& spec) {
    auto sb = manager_->Launch(spec);
    EXPECT_TRUE(sb.ok()) << sb.error().ToString();
    if (!sb.ok()) return {};
    return Collect(**sb);
  }

  SandboxManagerOptions::Isolation isolation_ = SandboxManagerOptions::Isolation::kAuto;
  bool use_cgroups_ = true;
  bool user_namespace_ = true;
  TempDir state_, code_;
  std::unique_ptr<SandboxManager> manager_;
};

}  // namespace nimbus::sandbox::testing
