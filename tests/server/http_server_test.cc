// HttpServer against a raw socket: pipelined requests (private listeners send a response
// together with the next one when the client's next request is already buffered; the main
// port answers each at once), stall timeouts, and how main-port connections spread over loops.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "server/http_server.h"

namespace nimbus {
namespace {

using namespace std::chrono_literals;

// "/big" and "/bigger" answer 8 and 24 MiB of a repeating pattern; "/slow" answers after 300 ms,
// "/slower" after 1.5 s, anything else at once; the body is the path plus the request body.
boost::asio::awaitable<HttpResponse> Answer(HttpRequest& request) {
  if (request.path == "/big" || request.path == "/bigger") {
    HttpResponse r;
    r.body.resize(request.path == "/big" ? 8 << 20 : 24 << 20);
    for (size_t i = 0; i < r.body.size(); ++i) r.body[i] = static_cast<char>('a' + i % 23);
    co_return r;
  }
  if (request.path == "/slow" || request.path == "/slower") {
    auto wait = request.path == "/slow" ? 300ms : 1500ms;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  HttpResponse r;
  r.body = request.path + request.body;
  co_return r;
}

boost::asio::awaitable<HttpResponse> AnswerMain(HttpRequest& request) {
  co_return co_await Answer(request);  // GETs only: no body stream to read
}

// Connects a new socket, stored in `fd` (closed by the caller), to 127.0.0.1:`port`.
void ConnectLoopback(uint16_t port, int& fd) {
  fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.drain_timeout = 1s;
    options.idle_timeout = 1s;
    server_ = std::make_unique<HttpServer>(options, AnswerMain, nullptr);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok());
    main_port_ = *port;
    auto listener = server_->Listen(Answer);
    ASSERT_TRUE(listener.ok());
    listener_ = std::move(*listener);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    listener_.reset();
    server_->Stop();
    thread_.join();
  }

  void Connect(uint16_t port) { ConnectLoopback(port, fd_); }
  void Send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  }
  bool ReadableWithin(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) == 1;
  }
  // Reads until `count` responses ending in their bodies (`tail`) have arrived, or 5 s.
  std::string ReadUntil(const std::string& tail) {
    std::string got;
    char buf[4096];
    while (got.find(tail) == std::string::npos && ReadableWithin(5000ms)) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<Listener> listener_;
  uint16_t main_port_ = 0;
  std::thread thread_;
  int fd_ = -1;
};

constexpr char kFastThenSlow[] =
    "GET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(HttpServerTest, PrivateListenerSendsAPipelinedAnswerWithTheNextOne) {
  Connect(listener_->port());
  Send(kFastThenSlow);
  EXPECT_FALSE(ReadableWithin(100ms)) << "the answer to /fast was not held back";
  std::string got = ReadUntil("/slow");
  size_t fast = got.find("\r\n\r\n/fast");
  size_t slow = got.find("\r\n\r\n/slow");
  ASSERT_NE(fast, std::string::npos) << got;
  ASSERT_NE(slow, std::string::npos) << got;
  EXPECT_LT(fast, slow);
}

TEST_F(HttpServerTest, PrivateListenerAnswersALoneRequestAtOnce) {
  Connect(listener_->port());
  Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadUntil("/fast").find("/fast"), std::string::npos);
}

TEST_F(HttpServerTest, HeldAnswerIsSentBeforeWaitingForTheRestOfTheNextRequest) {
  Connect(listener_->port());
  // The second request's body is incomplete: its sender may wait for the first answer.
  Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nContent-Length: 6\r\n\r\nabc");
  EXPECT_NE(ReadUntil("/fast").find("/fast"), std::string::npos);
  Send("def");
  EXPECT_NE(ReadUntil("/echoabcdef").find("/echoabcdef"), std::string::npos);
}

TEST_F(HttpServerTest, MainPortAnswersEachPipelinedRequestAtOnce) {
  Connect(main_port_);
  Send(kFastThenSlow);
  std::string first = ReadUntil("/fast");
  EXPECT_NE(first.find("/fast"), std::string::npos);
  EXPECT_EQ(first.find("/slow"), std::string::npos);
  EXPECT_NE(ReadUntil("/slow").find("/slow"), std::string::npos);
}

TEST_F(HttpServerTest, ABodyLargerThanTheSocketBufferArrivesWholeAtAReaderThatPauses) {
  Connect(main_port_);
  Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(200ms);  // the server fills the socket and must wait to send more
  std::string got = ReadUntil("\r\n\r\n/fast");
  size_t body = got.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_NE(got.find("Content-Length: 8388608"), std::string::npos);
  std::string big = got.substr(body + 4, 8 << 20);
  ASSERT_EQ(big.size(), size_t{8} << 20);
  size_t wrong = 0;
  for (size_t i = 0; i < big.size(); ++i) wrong += big[i] != static_cast<char>('a' + i % 23);
  EXPECT_EQ(wrong, 0u);
  EXPECT_NE(got.find("\r\n\r\n/fast", body + 4 + big.size()), std::string::npos);
}

TEST_F(HttpServerTest, ASlowReaderThatKeepsReadingIsNotCutOffByTheStallTimeout) {
  Connect(main_port_);
  Send("GET /bigger HTTP/1.1\r\nHost: x\r\n\r\n");
  // At most 64 KiB per 8 ms (~8 MB/s): the 24 MiB answer takes ~3 s, three times the fixture's
  // 1 s stall timeout, while the socket stays full for a fraction of a second at a time (until
  // the reader has taken about a third of the send buffer, ~1.3 MB).
  std::string got;
  std::string buf(64 * 1024, '\0');
  auto start = std::chrono::steady_clock::now();
  auto body_bytes = [&] {
    size_t head = got.find("\r\n\r\n");
    return head == std::string::npos ? 0 : got.size() - head - 4;
  };
  while (body_bytes() < (24u << 20) && ReadableWithin(3000ms)) {
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    got.append(buf.data(), static_cast<size_t>(n));
    std::this_thread::sleep_for(8ms);
  }
  EXPECT_GT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(body_bytes(), size_t{24} << 20);
}

// Reads until the server closes the connection; the time that took, or 10 s.
std::chrono::milliseconds TimeToClose(int fd) {
  auto start = std::chrono::steady_clock::now();
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 10000) == 1 && ::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST_F(HttpServerTest, IdleAndStalledConnectionsAreClosedAfterTheIdleTimeout) {
  Connect(main_port_);
  Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadUntil("/fast").find("/fast"), std::string::npos);
  auto idle = TimeToClose(fd_);  // idle between requests
  EXPECT_GE(idle, 900ms);
  EXPECT_LT(idle, 3000ms);
  ::close(fd_);
  Connect(listener_->port());
  Send("POST /echo HTTP/1.1\r\nContent-Length: 6\r\n\r\nab");  // stalls in the body
  auto stalled = TimeToClose(fd_);
  EXPECT_GE(stalled, 900ms);
  EXPECT_LT(stalled, 3000ms);
}

TEST_F(HttpServerTest, ABusyConnectionIsNotClosedWhileItsHandlerRuns) {
  Connect(main_port_);
  // /slower takes longer than the idle timeout: no I/O is pending meanwhile, so no stall
  // deadline applies; then the connection stays usable.
  Send("GET /slower HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadUntil("/slower").find("/slower"), std::string::npos);
  Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadUntil("/fast").find("/fast"), std::string::npos);
}

// The main port with two loops: keep-alive connections are spread evenly over the loops,
// whichever loop's SO_REUSEPORT socket the kernel hands each to.
TEST(HttpServerLoopsTest, MainPortConnectionsAreSpreadEvenlyOverTheLoops) {
  HttpServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.drain_timeout = 1s;
  auto which_thread = [](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    HttpResponse r;
    r.body = std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    co_return r;
  };
  HttpServer server(options, which_thread, nullptr);
  auto port = server.Bind();
  ASSERT_TRUE(port.ok());
  std::thread loops([&] { server.Run(); });
  std::map<std::string, int> per_thread;
  std::vector<int> fds;          // all kept open: each is counted while it lives
  for (int i = 0; i < 6; ++i) {  // one at a time: each accept is done before the next connect
    int& fd = fds.emplace_back(-1);
    ASSERT_NO_FATAL_FAILURE(ConnectLoopback(*port, fd));
    const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(fd, get.data(), get.size(), 0), static_cast<ssize_t>(get.size()));
    std::string got;  // head and body come in one write: read until the body is there
    char buf[1024];
    pollfd p{fd, POLLIN, 0};
    size_t head_end = std::string::npos;
    while (head_end == std::string::npos || got.size() == head_end + 4) {
      ASSERT_EQ(::poll(&p, 1, 5000), 1);
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      ASSERT_GT(n, 0);
      got.append(buf, static_cast<size_t>(n));
      head_end = got.find("\r\n\r\n");
    }
    ++per_thread[got.substr(head_end + 4)];
  }
  EXPECT_EQ(per_thread.size(), 2u);
  for (const auto& [thread, count] : per_thread) EXPECT_EQ(count, 3) << thread;
  for (int fd : fds) ::close(fd);
  server.Stop();
  loops.join();
}

}  // namespace
}  // namespace nimbus
