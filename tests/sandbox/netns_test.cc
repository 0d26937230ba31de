// HostNetworkNamespaces (root only): a namespace of its own with lo up, sockets listening inside
// it that only its members reach, and the calling thread left where it was.
#include "sandbox/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace nimbus::sandbox {
namespace {

std::string LinkOf(const std::string& path) {
  char buf[256] = {};
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// connect() to address:port from inside namespace `netns` (-1: this thread's): 0 or errno.
int ConnectFrom(int netns, const std::string& address, uint16_t port) {
  int result = 0;
  std::thread([&] {
    if (netns >= 0 && ::setns(netns, CLONE_NEWNET) != 0) {
      result = errno;
      return;
    }
    UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    result = ::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0 ? 0 : errno;
  }).join();
  return result;
}

uint16_t PortOf(int socket) {
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  ::getsockname(socket, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN)";
  }
  std::unique_ptr<NetworkNamespaces> ns_ = HostNetworkNamespaces();
};

TEST_F(NetnsTest, CreatesANamespaceOfItsOwnAndLeavesTheCallerInHis) {
  std::string before = LinkOf("/proc/thread-self/ns/net");
  auto a = ns_->Create({});
  auto b = ns_->Create({});
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_GE(a->get(), 3);
  std::string la = LinkOf("/proc/self/fd/" + std::to_string(a->get()));
  std::string lb = LinkOf("/proc/self/fd/" + std::to_string(b->get()));
  EXPECT_EQ(la.rfind("net:[", 0), 0u) << la;
  EXPECT_NE(la, before);
  EXPECT_NE(la, lb);
  EXPECT_EQ(LinkOf("/proc/thread-self/ns/net"), before);
}

TEST_F(NetnsTest, ListenerInsideIsReachedFromInsideOnlyOnLoopbackThatIsUp) {
  auto a = ns_->Create({});
  auto b = ns_->Create({});
  ASSERT_TRUE(a.ok() && b.ok());
  auto listener = ns_->Listen(a->get(), {"127.0.0.1", 9001}, 16);
  ASSERT_TRUE(listener.ok()) << listener.error().ToString();
  EXPECT_EQ(PortOf(listener->get()), 9001);
  EXPECT_EQ(ConnectFrom(a->get(), "127.0.0.1", 9001), 0);  // lo is up: the connect succeeds
  EXPECT_EQ(ConnectFrom(b->get(), "127.0.0.1", 9001), ECONNREFUSED);  // another namespace
  auto again = ns_->Listen(a->get(), {"127.0.0.1", 9001}, 16);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(again.error().message(), "bind 127.0.0.1:9001: Address already in use");
}

TEST_F(NetnsTest, HostAndNamespaceDoNotReachEachOthersListeners) {
  // A port the host holds (bound, listening) while the namespace listens on the same number:
  // each side reaches only its own.
  UniqueFd host(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  ASSERT_EQ(::bind(host.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  uint16_t port = PortOf(host.get());
  auto a = ns_->Create({});
  ASSERT_TRUE(a.ok());
  auto inside = ns_->Listen(a->get(), {"127.0.0.1", port}, 4);
  ASSERT_TRUE(inside.ok()) << inside.error().ToString();
  EXPECT_EQ(ConnectFrom(-1, "127.0.0.1", port), ECONNREFUSED);  // bound on the host, not listening
  EXPECT_EQ(ConnectFrom(a->get(), "127.0.0.1", port), 0);
  inside->reset();
  ASSERT_EQ(::listen(host.get(), 4), 0);
  EXPECT_EQ(ConnectFrom(-1, "127.0.0.1", port), 0);
  EXPECT_EQ(ConnectFrom(a->get(), "127.0.0.1", port), ECONNREFUSED);
}

TEST_F(NetnsTest, ExtraLoopbackAddressesAreServedInside) {  // ECS's credentials endpoint
  auto a = ns_->Create({"169.254.170.2"});
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  auto listener = ns_->Listen(a->get(), {"169.254.170.2", 80}, 16);
  ASSERT_TRUE(listener.ok()) << listener.error().ToString();
  EXPECT_EQ(ConnectFrom(a->get(), "169.254.170.2", 80), 0);
  auto other = ns_->Create({});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(ConnectFrom(other->get(), "169.254.170.2", 80), 0);  // no such address there
}

TEST_F(NetnsTest, BadInputIsAnErrorValue) {
  auto bad = ns_->Create({"not-an-address"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  auto a = ns_->Create({});
  ASSERT_TRUE(a.ok());
  auto bad_address = ns_->Listen(a->get(), {"::1", 80}, 4);
  ASSERT_FALSE(bad_address.ok());
  EXPECT_EQ(bad_address.error().code(), StatusCode::kInvalidArgument);
  UniqueFd not_ns(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto not_a_namespace = ns_->Listen(not_ns.get(), {"127.0.0.1", 80}, 4);
  ASSERT_FALSE(not_a_namespace.ok());
  EXPECT_EQ(not_a_namespace.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_a_namespace.error().message(), "join network namespace: Invalid argument");
}

}  // namespace
}  // namespace nimbus::sandbox
