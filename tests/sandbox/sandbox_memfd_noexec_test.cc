// The sandbox's init program when memfds cannot be executable (root only). vm.memfd_noexec is
// per pid namespace: a child in a new one sets it to 2 (memfd_create refuses MFD_EXEC, and
// anything without MFD_NOEXEC_SEAL) and runs a sandbox there, which must fall back to a copy of
// init in state_dir.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include "sandbox/sandbox.h"
#include "sandbox/sandbox_fixture.h"

namespace nimbus::sandbox {
namespace {

using testing::Collect;
using testing::TempDir;

// Sets vm.memfd_noexec=2 in this (new) pid namespace and checks that it took; 0 when it did.
int SetMemfdNoexec() {
  int fd = ::open("/proc/sys/vm/memfd_noexec", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ::write(fd, "2", 1) != 1) {
    std::perror("write /proc/sys/vm/memfd_noexec");
    return 2;
  }
  ::close(fd);
  constexpr unsigned kMfdExec = 0x10;
  int probe = ::memfd_create("probe", MFD_CLOEXEC | kMfdExec);
  if (probe >= 0 || errno != EACCES) {
    std::fprintf(stderr, "memfd_noexec=2 did not refuse an executable memfd\n");
    return 3;
  }
  return 0;
}

SandboxManagerOptions Options(const std::string& state_dir) {
  SandboxManagerOptions o;
  o.state_dir = state_dir;
  o.use_cgroups = false;  // not what these tests are about
  o.disk_tmp = false;
  return o;
}

// Runs `body` as PID 1 of a new pid namespace with vm.memfd_noexec=2; its exit code (0: passed;
// 2, 3: see SetMemfdNoexec; others: see `body`, which prints why to stderr), or -1 when it died.
int RunUnderMemfdNoexec(const std::function<int()>& body) {
  pid_t outer = ::fork();
  if (outer < 0) return -1;
  if (outer == 0) {
    if (::unshare(CLONE_NEWPID) != 0) ::_exit(10);
    pid_t inner = ::fork();
    if (inner == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  // the test gave up: go
      int rc = SetMemfdNoexec();
      ::_exit(rc != 0 ? rc : body());
    }
    int st = 0;
    if (inner < 0 || ::waitpid(inner, &st, 0) != inner) ::_exit(11);
    ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 12);
  }
  int st = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (::waitpid(outer, &st, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(outer, SIGKILL);  // the inner child follows (parent-death signal)
      ::waitpid(outer, &st, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

class SandboxMemfdNoexecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (pid namespace, sysctl, sandboxes)";
    if (::access("/proc/sys/vm/memfd_noexec", F_OK) != 0) {
      GTEST_SKIP() << "no vm.memfd_noexec (kernel before 6.3)";
    }
  }
  TempDir state_, code_;
};

TEST_F(SandboxMemfdNoexecTest, InitRunsFromAFileInStateDir) {
  int rc = RunUnderMemfdNoexec([&] {
    auto m = SandboxManager::Create(Options(state_.path()));
    if (!m.ok()) {
      std::fprintf(stderr, "Create: %s\n", m.error().ToString().c_str());
      return 4;
    }
    SandboxSpec spec;
    spec.argv = {"/bin/sh", "-c", "echo ok; tr '\\0' ' ' </proc/1/cmdline"};
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.code_dir = code_.path();
    auto sb = (*m)->Launch(spec);
    if (!sb.ok()) {
      std::fprintf(stderr, "Launch: %s\n", sb.error().ToString().c_str());
      return 5;
    }
    auto r = Collect(**sb);
    sb->reset();
    (*m)->WaitForCleanup();
    if (!r.status.exited || r.status.code != 0 || r.out.rfind("ok\ninit ", 0) != 0) {
      std::fprintf(stderr, "sandbox: %s out=%s err=%s\n", r.status.Describe().c_str(),
                   r.out.c_str(), r.err.c_str());
      return 6;
    }
    return 0;
  });
  ASSERT_EQ(rc, 0) << "see stderr";
  struct stat init;
  ASSERT_EQ(::stat((state_.path() + "/init").c_str(), &init), 0);
  EXPECT_EQ(init.st_mode & 07777, 0500u);
  for (const auto& e : std::filesystem::directory_iterator(state_.path())) {
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();  // no temporary file left
  }
}

TEST_F(SandboxMemfdNoexecTest, NoexecStateDirIsAClearError) {
  int rc = RunUnderMemfdNoexec([&] {
    const char* dir = state_.path().c_str();  // noexec in a mount namespace of our own
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount(dir, dir, nullptr, MS_BIND, nullptr) != 0 ||
        ::mount(nullptr, dir, nullptr, MS_BIND | MS_REMOUNT | MS_NOEXEC, nullptr) != 0) {
      std::perror("noexec bind mount");
      return 4;
    }
    auto m = SandboxManager::Create(Options(state_.path()));
    if (m.ok()) {
      std::fprintf(stderr, "Create succeeded on a noexec state_dir\n");
      return 5;
    }
    if (m.error().message().find("noexec mount") == std::string::npos ||
        m.error().message().find("memfd_create") == std::string::npos) {
      std::fprintf(stderr, "unclear: %s\n", m.error().ToString().c_str());
      return 6;
    }
    return 0;
  });
  ASSERT_EQ(rc, 0) << "see stderr";
}

}  // namespace
}  // namespace nimbus::sandbox
