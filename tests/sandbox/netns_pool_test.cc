// NetnsPool over a fake NetworkNamespaces: filled ahead, taken without waiting, made on the spot
// when empty, errors passed on, released descriptors closed by the pool's thread.
#include "sandbox/netns_pool.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace nimbus::sandbox {
namespace {

// Hands out /dev/null descriptors as "namespaces" and "sockets", and records the calls.
class FakeNamespaces : public NetworkNamespaces {
 public:
  Result<UniqueFd> Create(const std::vector<std::string>& lo_addresses) override {
    std::unique_lock<std::mutex> lock(mu);
    held.wait(lock, [&] { return !hold || std::this_thread::get_id() == caller; });
    ++creates;
    addresses = lo_addresses;
    if (fail_create) return Status::Unavailable("no namespaces here");
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    namespaces.insert(fd.get());
    return fd;
  }
  Result<UniqueFd> Listen(int netns, const NetEndpoint& endpoint, int backlog) override {
    std::lock_guard<std::mutex> lock(mu);
    if (!namespaces.count(netns)) return Status::InvalidArgument("not a namespace");
    if (fail_listen) return Status::Unavailable("bind " + endpoint.address + ": in use");
    listened.push_back(endpoint.address + ":" + std::to_string(endpoint.port) + "/" +
                       std::to_string(backlog));
    return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  // Until Release, only thread `only` creates (the pool's own thread waits).
  void Hold(std::thread::id only) {
    std::lock_guard<std::mutex> lock(mu);
    hold = true;
    caller = only;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu);
      hold = false;
    }
    held.notify_all();
  }
  std::mutex mu;
  std::condition_variable held;
  bool hold = false;
  std::thread::id caller;
  int creates = 0;
  bool fail_create = false, fail_listen = false;
  std::vector<std::string> addresses;
  std::set<int> namespaces;
  std::vector<std::string> listened;
};

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

// Links that count themselves; Connect fails on demand.
class FakeOutbound : public Outbound {
 public:
  struct Link : OutboundLink {
    explicit Link(std::atomic<int>& live) : live(live) { ++live; }
    ~Link() override { --live; }
    std::atomic<int>& live;
  };
  Result<std::unique_ptr<OutboundLink>> Connect(int) override {
    if (fail) return Status::Unavailable("pasta failed: no route");
    return std::unique_ptr<OutboundLink>(std::make_unique<Link>(live));
  }
  std::atomic<int> live{0};
  bool fail = false;
};

NetnsPoolOptions LambdaLike() {
  NetnsPoolOptions o;
  o.endpoints = {{"127.0.0.1", 9001}, {"127.0.0.1", 4566}};
  o.backlog = 32;
  o.ready = 3;
  return o;
}

TEST(NetnsPoolTest, FillsAheadAndTakesReadyOnes) {
  FakeNamespaces fake;
  NetnsPool pool(fake, LambdaLike());
  pool.WaitIdle();
  {
    std::lock_guard<std::mutex> lock(fake.mu);
    EXPECT_EQ(fake.creates, 3);
    ASSERT_EQ(fake.listened.size(), 6u);
    EXPECT_EQ(fake.listened[0], "127.0.0.1:9001/32");
    EXPECT_EQ(fake.listened[1], "127.0.0.1:4566/32");
  }
  auto network = pool.Take();
  ASSERT_TRUE(network.ok()) << network.error().ToString();
  EXPECT_TRUE(network->netns.valid());
  ASSERT_EQ(network->listeners.size(), 2u);
  pool.WaitIdle();  // refilled behind the take
  std::lock_guard<std::mutex> lock(fake.mu);
  EXPECT_EQ(fake.creates, 4);
}

TEST(NetnsPoolTest, EmptyPoolMakesOneOnTheSpot) {
  FakeNamespaces fake;
  NetnsPoolOptions o = LambdaLike();
  o.ready = 0;  // never fills: every take makes its own
  o.lo_addresses = {"169.254.170.2"};
  NetnsPool pool(fake, o);
  auto network = pool.Take();
  ASSERT_TRUE(network.ok());
  EXPECT_EQ(network->listeners.size(), 2u);
  std::lock_guard<std::mutex> lock(fake.mu);
  EXPECT_EQ(fake.creates, 1);
  EXPECT_EQ(fake.addresses, std::vector<std::string>{"169.254.170.2"});
}

TEST(NetnsPoolTest, ATakeThatFindsNoneDoublesWhatIsKeptReady) {
  FakeNamespaces fake;
  NetnsPoolOptions o = LambdaLike();
  o.ready = 2;
  NetnsPool pool(fake, o);
  pool.WaitIdle();
  fake.Hold(std::this_thread::get_id());  // the pool's thread makes no more until released
  std::vector<PreparedNetwork> taken;
  auto take = [&] {
    auto network = pool.Take();
    ASSERT_TRUE(network.ok());
    taken.push_back(std::move(*network));
  };
  for (int i = 0; i < 3; ++i) take();  // the third finds none
  EXPECT_EQ(pool.target(), 4u);
  for (int i = 0; i < 3; ++i) take();
  EXPECT_EQ(pool.target(), 8u);  // at most 4 times `ready`
  fake.Release();
  pool.WaitIdle();
  std::lock_guard<std::mutex> lock(fake.mu);
  EXPECT_EQ(fake.creates, 2 + 4 + 8);  // the first fill, the 4 made on the spot, the refill
}

TEST(NetnsPoolTest, ErrorsArePassedOn) {
  FakeNamespaces fake;
  fake.fail_create = true;
  NetnsPool pool(fake, LambdaLike());
  pool.WaitIdle();  // the background attempt failed; the pool waits before it tries again
  auto network = pool.Take();
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(network.error().message(), "no namespaces here");

  FakeNamespaces fake_listen;
  fake_listen.fail_listen = true;
  NetnsPool pool2(fake_listen, LambdaLike());
  auto no_socket = pool2.Take();
  ASSERT_FALSE(no_socket.ok());
  EXPECT_EQ(no_socket.error().message(), "bind 127.0.0.1: in use");
}

TEST(NetnsPoolTest, ReleasedDescriptorsAreClosedByThePool) {
  FakeNamespaces fake;
  NetnsPoolOptions o = LambdaLike();
  o.ready = 0;  // no refill that could reuse the descriptor numbers
  NetnsPool pool(fake, o);
  auto network = pool.Take();
  ASSERT_TRUE(network.ok());
  int ns = network->netns.get(), socket = network->listeners[1].get();
  pool.Release(std::move(*network));
  pool.WaitIdle();
  EXPECT_FALSE(IsOpen(ns));
  EXPECT_FALSE(IsOpen(socket));
}

TEST(NetnsPoolTest, OutboundLinksComeWithTheNamespaceAndGoWithIt) {
  FakeNamespaces fake;
  FakeOutbound outbound;
  NetnsPoolOptions o = LambdaLike();
  o.outbound = &outbound;
  {
    NetnsPool pool(fake, o);
    pool.WaitIdle();
    auto network = pool.Take();
    ASSERT_TRUE(network.ok());
    EXPECT_NE(network->outbound, nullptr);
    pool.WaitIdle();
    EXPECT_EQ(outbound.live.load(), 4);  // the one taken and three ready
    pool.Release(std::move(*network));
    pool.WaitIdle();
    EXPECT_EQ(outbound.live.load(), 3);
  }
  EXPECT_EQ(outbound.live.load(), 0);
  outbound.fail = true;
  o.ready = 0;
  NetnsPool failing(fake, o);
  auto network = failing.Take();
  ASSERT_FALSE(network.ok());
  EXPECT_EQ(network.error().message(), "pasta failed: no route");
}

TEST(NetnsPoolTest, DestroyingThePoolClosesWhatItHeld) {
  FakeNamespaces fake;
  std::vector<int> fds;
  {
    NetnsPool pool(fake, LambdaLike());
    pool.WaitIdle();
    std::lock_guard<std::mutex> lock(fake.mu);
    fds.assign(fake.namespaces.begin(), fake.namespaces.end());
  }
  for (int fd : fds) EXPECT_FALSE(IsOpen(fd)) << fd;
}

}  // namespace
}  // namespace nimbus::sandbox
