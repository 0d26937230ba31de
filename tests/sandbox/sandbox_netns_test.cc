// SandboxSpec::netns_fd (root only): the sandbox joins the network namespace it is given.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "sandbox/fd.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_fixture.h"

namespace nimbus::sandbox {
namespace {

using testing::SandboxTest;

// A fresh network namespace (only lo, down), made by a short-lived thread so the test's own
// threads stay in the host's.
UniqueFd NewNetworkNamespace() {
  UniqueFd fd;
  std::thread([&fd] {
    if (::unshare(CLONE_NEWNET) == 0)
      fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  }).join();
  return fd;
}

std::string LinkOf(const std::string& path) {
  char buf[256] = {};
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST_F(SandboxTest, JoinsTheGivenNetworkNamespace) {
  UniqueFd ns = NewNetworkNamespace();
  ASSERT_TRUE(ns.valid());
  std::string want = LinkOf("/proc/self/fd/" + std::to_string(ns.get()));
  SandboxSpec s = Shell("readlink /proc/self/ns/net; cat /proc/net/dev | tail -n +3 | cut -d: -f1");
  s.netns_fd = ns.get();
  auto r = Run(s);
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status.Describe() << r.err;
  EXPECT_NE(want, LinkOf("/proc/self/ns/net"));
  // Its own namespace, whose only interface is lo (no host interfaces in /proc/net).
  EXPECT_EQ(r.out, want + "\n    lo\n") << r.err;
}

TEST_F(SandboxTest, NetworkNamespaceThatIsNotOneIsALaunchError) {
  SandboxSpec s = Shell("true");
  UniqueFd not_ns(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  s.netns_fd = not_ns.get();
  auto sb = manager_->Launch(s);
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.error().code(), StatusCode::kInternal);
  EXPECT_EQ(sb.error().message(), "join network namespace: Invalid argument");
}

}  // namespace
}  // namespace nimbus::sandbox
