// HttpServer limits that must hold against slow or numerous clients (issue 17): an overall
// deadline for a request head however it trickles, a minimum rate for main-port bodies, and a
// connection cap answered 503 while other clients are still served.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/http_body.h"
#include "server/fd_limit.h"
#include "server/http_server.h"

namespace nimbus {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// "/read" reads the body first; every answer's body is the path plus the request body.
boost::asio::awaitable<HttpResponse> Answer(HttpRequest& request) {
  if (request.path == "/read" && !co_await ReadRequestBody(request)) co_return HttpResponse{};
  HttpResponse r;
  r.body = request.path + request.body;
  co_return r;
}

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

void SendAll(int fd, std::string_view bytes) {
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

// What the server sends until it closes the connection, or `wait` passes.
std::string ReadToClose(int fd, std::chrono::milliseconds wait = 10000ms) {
  std::string got;
  char buf[4096];
  auto until = Clock::now() + wait;
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// True once the peer has closed (recv returns 0 or fails) within `wait`; what it sent before
// is appended to `got` when given.
bool ClosedWithin(int fd, std::chrono::milliseconds wait, std::string* got = nullptr) {
  auto until = Clock::now() + wait;
  char buf[256];
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return true;
    if (got) got->append(buf, static_cast<size_t>(n));
  }
  return false;
}

class HttpLimitsTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    options.port = 0;
    options.threads = 1;
    options.drain_timeout = 1s;
    server_ = std::make_unique<HttpServer>(options, Answer, nullptr);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
    if (server_) {
      server_->Stop();
      thread_.join();
    }
  }
  int Open() {
    fds_.push_back(Connect(port_));
    return fds_.back();
  }
  // One GET on a new connection: its answer, or "" when none came.
  std::string Get(const std::string& path) {
    int fd = Open();
    SendAll(fd, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return ReadToClose(fd, 5000ms);
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::vector<int> fds_;
};

TEST_F(HttpLimitsTest, ATricklingHeadIsCutOffAtItsDeadlineWhileOthersAreServed) {
  HttpServerOptions options;
  options.head_timeout = 1s;
  options.idle_timeout = 30s;  // a per-byte stall timer would never fire
  Start(options);
  int slow = Open();
  const std::string head = "GET /slow HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaa\r\n";
  auto started = Clock::now();
  bool closed = false;
  std::string answer;
  for (size_t i = 0; i < head.size() && !closed; ++i) {
    SendAll(slow, head.substr(i, 1));
    EXPECT_NE(Get("/other").find("/other"), std::string::npos) << "another client starved";
    closed = ClosedWithin(slow, 150ms, &answer);
  }
  if (!closed) closed = ClosedWithin(slow, 10000ms, &answer);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("RequestTimeout"), std::string::npos) << answer;
  // Cut off by the 1 s head deadline, long before the 30 s stall timeout (generous bound for
  // a loaded machine).
  EXPECT_LT(Clock::now() - started, 15s);
}

TEST_F(HttpLimitsTest, ABodyBelowTheMinimumRateIsCutOff) {
  HttpServerOptions options;
  options.idle_timeout = 30s;
  options.body_min_rate = 1000;  // bytes/s after the grace
  options.body_grace = 1s;
  Start(options);
  int slow = Open();
  SendAll(slow, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  auto started = Clock::now();
  bool closed = false;
  std::string answer;
  while (!closed && Clock::now() - started < 20s) {
    SendAll(slow, "0123456789");  // ~50 bytes/s, far below the minimum
    closed = ClosedWithin(slow, 200ms, &answer);
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 ", 0), 0u) << answer;
  EXPECT_LT(Clock::now() - started, 15s);
  EXPECT_NE(Get("/other").find("/other"), std::string::npos);

  // A body at a good rate is read whole.
  int fast = Open();
  SendAll(fast, "POST /read HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\n");
  SendAll(fast, "hello");
  EXPECT_NE(ReadToClose(fast).find("/readhello"), std::string::npos);
}

TEST_F(HttpLimitsTest, ConnectionsOverTheCapAreAnswered503) {
  HttpServerOptions options;
  options.max_connections = 3;
  Start(options);
  for (int i = 0; i < 3; ++i) {
    int fd = Open();
    SendAll(fd, "GET /held HTTP/1.1\r\nHost: x\r\n\r\n");  // kept alive afterwards
    char buf[1024];
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);
  }
  std::string refused = Get("/over");
  EXPECT_NE(refused.find("HTTP/1.1 503 "), std::string::npos) << refused;
  EXPECT_NE(refused.find("Connection: close"), std::string::npos) << refused;
  // Once a connection goes, a new one is served again.
  ::close(fds_.front());
  fds_.erase(fds_.begin());
  std::string served;
  for (int attempt = 0; attempt < 100 && served.find("/again") == std::string::npos; ++attempt) {
    served = Get("/again");
    if (served.find("/again") == std::string::npos) std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(served.find("/again"), std::string::npos) << served;
}

TEST(DescriptorLimit, RaisedToTheHardLimitWithACapBelowIt) {
  size_t limit = RaiseDescriptorLimit();
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, now.rlim_max);
  if (now.rlim_cur != RLIM_INFINITY) {
    EXPECT_EQ(limit, static_cast<size_t>(now.rlim_cur));
  }
  EXPECT_EQ(ConnectionCapFor(1024), 768u);
  EXPECT_EQ(ConnectionCapFor(20000), 15000u);
  EXPECT_EQ(ConnectionCapFor(100), 36u);  // at least 64 kept for everything else
  EXPECT_EQ(ConnectionCapFor(10), 1u);
}

}  // namespace
}  // namespace nimbus
