// HttpBodyCheck on the server's request bodies: a check sees every byte as it arrives (pulled
// piece by piece or read whole, Content-Length or chunked) and its refusal fails the body at its
// last byte, so a streaming consumer never sees the end it would commit on, and the server
// answers with the refusal.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "core/http_body.h"
#include "server/http_server.h"
#include "server/loopback_exchange.h"

namespace nimbus {
namespace {

// Holds a body to the bytes its "x-want" header names.
class WantCheck : public HttpBodyCheck {
 public:
  explicit WantCheck(std::string want) : want_(std::move(want)) {}
  void Update(std::string_view bytes) override {
    seen_.append(bytes);
    ++updates_;
  }
  std::optional<HttpResponse> Verdict() override {
    ++verdicts_;
    if (seen_ == want_) return std::nullopt;
    HttpResponse r;
    r.status = 403;
    r.body = "refused after " + std::to_string(seen_.size()) + " bytes";
    return r;
  }
  int updates_ = 0;
  int verdicts_ = 0;

 private:
  std::string want_;
  std::string seen_;
};

std::atomic<int> g_committed{0};  // streamed bodies whose end a consumer saw
std::atomic<int> g_verdicts{0};

// "/stream" pulls the body piece by piece and "commits" on its end; "/whole" reads it whole.
boost::asio::awaitable<HttpResponse> Handler(HttpRequest& request) {
  HttpResponse r;
  WantCheck check(std::string(request.headers.Get("x-want")));
  HttpBodyStream* body = std::exchange(request.body_stream, nullptr);
  if (body == nullptr) {
    r.body = "no body";
    co_return r;
  }
  body->SetCheck(&check);
  uint64_t got = 0;
  bool ok = true;
  if (request.path == "/stream") {
    for (;;) {
      auto piece = co_await body->Next();
      if (!piece) {
        ok = false;
        break;
      }
      if (piece->empty()) {
        ++g_committed;
        break;
      }
      got += piece->size();
    }
  } else {
    ok = co_await body->ReadAll(request.body);
    got = request.body.size();
  }
  g_verdicts += check.verdicts_;
  body->SetCheck(nullptr);
  r.body = ok ? "stored " + std::to_string(got) : "handler's answer (ignored)";
  co_return r;
}

using testing::LoopbackExchange;

std::string Post(const std::string& path, const std::string& want, const std::string& body,
                 bool chunked) {
  std::string head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-want: " +
                     want + "\r\n";
  if (!chunked) return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string out = head + "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < body.size(); at += 3) {  // small chunks: several pieces
    std::string piece = body.substr(at, 3);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    out += std::string(size) + "\r\n" + piece + "\r\n";
  }
  return out + "0\r\n\r\n";
}

class BodyCheckTest : public ::testing::TestWithParam<bool> {  // chunked?
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    options.threads = 1;
    server_ = std::make_unique<HttpServer>(options, Handler, nullptr);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
    g_committed = 0;
    g_verdicts = 0;
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

TEST_P(BodyCheckTest, AStreamingConsumerNeverSeesTheEndOfARefusedBody) {
  std::string got =
      LoopbackExchange(port_, Post("/stream", "signed body", "sent body!!", GetParam()));
  EXPECT_NE(got.find("HTTP/1.1 403"), std::string::npos) << got;
  EXPECT_NE(got.find("refused after 11 bytes"), std::string::npos) << got;
  EXPECT_EQ(got.find("handler's answer"), std::string::npos) << got;
  EXPECT_EQ(g_committed.load(), 0);
  EXPECT_EQ(g_verdicts.load(), 1);
}

TEST_P(BodyCheckTest, AStreamingConsumerGetsABodyThatHolds) {
  std::string got =
      LoopbackExchange(port_, Post("/stream", "signed body", "signed body", GetParam()));
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_NE(got.find("stored 11"), std::string::npos) << got;
  EXPECT_EQ(g_committed.load(), 1);
  EXPECT_EQ(g_verdicts.load(), 1);
}

TEST_P(BodyCheckTest, AWholeReadFailsOnARefusedBody) {
  std::string got =
      LoopbackExchange(port_, Post("/whole", "signed body", "sent body!!", GetParam()));
  EXPECT_NE(got.find("HTTP/1.1 403"), std::string::npos) << got;
  EXPECT_NE(got.find("refused after 11 bytes"), std::string::npos) << got;
  got = LoopbackExchange(port_, Post("/whole", "signed body", "signed body", GetParam()));
  EXPECT_NE(got.find("stored 11"), std::string::npos) << got;
}

TEST_P(BodyCheckTest, AShorterBodyIsJudgedOnlyOnceComplete) {
  // A prefix of what was signed is refused at its end, not accepted early.
  std::string got = LoopbackExchange(port_, Post("/stream", "signed body", "signed", GetParam()));
  EXPECT_NE(got.find("refused after 6 bytes"), std::string::npos) << got;
  EXPECT_EQ(g_committed.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Framing, BodyCheckTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "Chunked" : "ContentLength";
                         });

}  // namespace
}  // namespace nimbus
