// The sandbox's seccomp filter, installed in a forked child of the test: what Docker's default
// profile refuses is refused (EPERM), the rest works.
#include "sandbox/seccomp.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "sandbox/sandbox.h"

namespace nimbus::sandbox {
namespace {

// Runs `call` in a child under the filter for `capabilities`; its errno (0: it succeeded), or
// -1 when the child did not exit normally (killed by the filter, say).
int ErrnoUnderFilter(uint64_t capabilities, const std::function<long()>& call) {
  std::vector<sock_filter> filter = BuildSeccompFilter(capabilities);
  pid_t pid = ::fork();
  if (pid == 0) {
    sock_fprog prog{static_cast<unsigned short>(filter.size()), filter.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
      ::_exit(255);
    }
    long rc = call();
    ::_exit(rc < 0 ? (errno & 0xff) : 0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SeccompTest, RefusesWhatDockerRefuses) {
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::mount("none", "/mnt", "tmpfs", 0, nullptr); }),
            EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::unshare(CLONE_NEWUTS); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::syscall(SYS_keyctl, 1, 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::syscall(SYS_bpf, 0, nullptr, 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::syscall(SYS_setns, 0, 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::chroot("/"); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::syscall(SYS_io_uring_setup, 1, nullptr); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::socket(40 /* AF_VSOCK */, SOCK_STREAM, 0); }), EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::personality(ADDR_NO_RANDOMIZE); }), EPERM);
  // clone with a namespace flag; clone3 says ENOSYS so that libc falls back to clone.
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0); }),
            EPERM);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::syscall(SYS_clone3, nullptr, 0); }), ENOSYS);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::syscall(470 + 30); }), ENOSYS);  // unknown
}

TEST(SeccompTest, AllowsTheRest) {
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::getpid(); }), 0);
  EXPECT_EQ(ErrnoUnderFilter(0, [] { return ::personality(0xffffffff); }), 0);
  EXPECT_EQ(ErrnoUnderFilter(0,
                             [] {
                               int fd = ::socket(AF_INET, SOCK_STREAM, 0);
                               return fd < 0 ? -1 : ::close(fd);
                             }),
            0);
  EXPECT_EQ(ErrnoUnderFilter(0,
                             [] {
                               pid_t p = ::fork();  // clone without namespace flags
                               if (p == 0) ::_exit(0);
                               return p < 0 ? -1L : ::waitpid(p, nullptr, 0);
                             }),
            0);
}

TEST(SeccompTest, CapabilitiesAllowWhatDockerAllowsWithThem) {
  if (::geteuid() != 0) GTEST_SKIP() << "chroot needs root";
  // Docker's default set holds CAP_SYS_CHROOT: the filter lets chroot through to the kernel.
  EXPECT_EQ(ErrnoUnderFilter(kDockerDefaultCapabilities, [] { return ::chroot("/"); }), 0);
  EXPECT_EQ(ErrnoUnderFilter(kDockerDefaultCapabilities, [] { return ::unshare(CLONE_NEWUTS); }),
            EPERM);
  EXPECT_EQ(ErrnoUnderFilter(uint64_t{1} << CAP_SYS_ADMIN, [] { return ::unshare(CLONE_NEWUTS); }),
            0);
}

TEST(SeccompTest, FilterFileHoldsTheProgram) {
  auto fd = SeccompFilterFile(0);
  ASSERT_TRUE(fd.ok()) << fd.error().ToString();
  std::vector<sock_filter> want = BuildSeccompFilter(0);
  std::vector<sock_filter> got(want.size() + 1);
  ssize_t n = ::pread(fd->get(), got.data(), got.size() * sizeof(sock_filter), 0);
  ASSERT_EQ(n, static_cast<ssize_t>(want.size() * sizeof(sock_filter)));
  EXPECT_EQ(::fcntl(fd->get(), F_GET_SEALS) & F_SEAL_WRITE, F_SEAL_WRITE);
  EXPECT_LT(want.size(), 256u);  // BPF_MAXINSNS is 4096; the init reads at most that
}

}  // namespace
}  // namespace nimbus::sandbox
