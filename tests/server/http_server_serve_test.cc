// HttpServer::Serve and ServeGateway: sockets opened elsewhere (inside a sandbox's network
// namespace, in production) served like private listeners or like the main port.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "server/http_server.h"
#include "server/loopback_exchange.h"

namespace nimbus {
namespace {

boost::asio::awaitable<HttpResponse> Private(HttpRequest& request) {
  HttpResponse r;
  r.body = "private " + request.path;
  co_return r;
}

boost::asio::awaitable<HttpResponse> Main(HttpRequest& request) {
  HttpResponse r;
  r.body = "gateway " + request.path;
  co_return r;
}

// A listening TCP socket on 127.0.0.1 and a free port, as sandbox/netns.h hands out.
int ListeningSocket(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 8) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return fd;
}

// One GET on a new connection to 127.0.0.1:`port`; the response's body (after the head).
std::string Get(uint16_t port, const std::string& path) {
  std::string got = testing::LoopbackExchange(
      port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t body = got.find("\r\n\r\n");
  return body == std::string::npos ? "" : got.substr(body + 4);
}

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

class HttpServerServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<HttpServer>(options, Main,
                                           [this](const HttpRequest&, const HttpResponse&, uint64_t,
                                                  std::chrono::nanoseconds) { ++observed_; });
  }
  void Start() {
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    if (!thread_.joinable()) return;
    server_->Stop();
    thread_.join();
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<int> observed_{0};
};

TEST_F(HttpServerServeTest, ServedSocketAnswersWithItsHandlerUnlogged) {
  Start();
  uint16_t port = 0;
  int fd = ListeningSocket(port);
  ASSERT_GE(fd, 0);
  auto listener = server_->Serve(fd, Private, 1);
  ASSERT_TRUE(listener.ok()) << listener.error().ToString();
  EXPECT_EQ((*listener)->port(), port);
  EXPECT_EQ(Get(port, "/a"), "private /a");
  EXPECT_EQ(observed_.load(), 0);
  listener->reset();  // closes the socket: no more connections
  for (int i = 0; i < 500 && IsOpen(fd); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(Get(port, "/a"), "");
}

TEST_F(HttpServerServeTest, GatewaySocketIsServedAsTheMainPort) {
  Start();
  uint16_t port = 0;
  int fd = ListeningSocket(port);
  ASSERT_GE(fd, 0);
  auto listener = server_->ServeGateway(fd);
  ASSERT_TRUE(listener.ok()) << listener.error().ToString();
  EXPECT_EQ(Get(port, "/b"), "gateway /b");
  for (int i = 0; i < 500 && observed_.load() == 0; ++i) {  // observed after the write
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(observed_.load(), 1);  // in the access log, as the main port's requests
}

TEST_F(HttpServerServeTest, NotAListeningSocketIsRefusedAndClosed) {
  Start();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // never listened
  auto listener = server_->Serve(fd, Private);
  ASSERT_FALSE(listener.ok());
  EXPECT_EQ(listener.error().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(IsOpen(fd));
  int file = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto gateway = server_->ServeGateway(file);
  ASSERT_FALSE(gateway.ok());
  EXPECT_FALSE(IsOpen(file));
}

TEST_F(HttpServerServeTest, BeforeBindIsFailedPreconditionAndCloses) {
  uint16_t port = 0;
  int fd = ListeningSocket(port);
  ASSERT_GE(fd, 0);
  auto listener = server_->Serve(fd, Private);
  ASSERT_FALSE(listener.ok());
  EXPECT_EQ(listener.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(IsOpen(fd));
}

}  // namespace
}  // namespace nimbus
