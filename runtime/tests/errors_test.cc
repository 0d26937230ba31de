// RuntimeClient facing error statuses, retries, garbage, closed connections and slow servers.
#include <gtest/gtest.h>

#include <chrono>

#include "fake_runtime_api.h"
#include "nimbus/lambda/client.h"

namespace nimbus::lambda {
namespace {

using namespace std::chrono_literals;
using testing::accepted_reply;
using testing::event_reply;
using testing::FakeReply;
using testing::FakeRequest;
using testing::FakeRuntimeApi;
using testing::http_reply;

RuntimeClient make_client(const std::string& endpoint, std::chrono::milliseconds io = 5000ms) {
  ClientOptions o;
  o.endpoint = endpoint;
  o.initial_backoff = 1ms;
  o.max_backoff = 4ms;
  o.io_timeout = io;
  auto c = RuntimeClient::create(o);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

TEST(ErrorsTest, TransientStatusesAreRetried) {
  FakeRuntimeApi api([](const FakeRequest&, int i) {
    if (i == 0) return FakeReply{http_reply(503, "busy")};
    if (i == 1) return FakeReply{http_reply(502, "")};
    return FakeReply{event_reply("ok", "{}")};
  });
  RuntimeClient client = make_client(api.endpoint());
  auto r = client.next();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(api.requests().size(), 3u);
}

TEST(ErrorsTest, RetriesAreBounded) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{http_reply(503, "")}; });
  RuntimeClient client = make_client(api.endpoint());
  auto r = client.next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kServerError);
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(api.requests().size(), 5u);
}

TEST(ErrorsTest, DocumentedStatusesMapWithoutRetry) {
  struct Case {
    int status;
    ErrorCode code;
  };
  for (Case c : {Case{500, ErrorCode::kContainerError}, Case{403, ErrorCode::kInvalidState},
                 Case{400, ErrorCode::kInvalidRequestId}, Case{413, ErrorCode::kPayloadTooLarge},
                 Case{404, ErrorCode::kServerError}}) {
    FakeRuntimeApi api([&](const FakeRequest&, int) {
      return FakeReply{http_reply(c.status, R"({"errorType":"X","errorMessage":"y"})")};
    });
    RuntimeClient client = make_client(api.endpoint());
    Status s = client.respond("id", InvocationResponse::success("x"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, c.code) << c.status;
    EXPECT_EQ(s.error().http_status, c.status);
    EXPECT_NE(s.error().message.find("errorType"), std::string::npos);
    EXPECT_EQ(api.requests().size(), 1u) << c.status;
  }
}

TEST(ErrorsTest, ConnectionRefusedIsRetriedThenReported) {
  std::string endpoint;
  {
    FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{}; });
    endpoint = api.endpoint();
  }  // closed: nothing listens there any more
  RuntimeClient client = make_client(endpoint);
  auto r = client.next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConnection);
  EXPECT_NE(r.error().message.find("5 attempts"), std::string::npos) << r.error().message;
}

TEST(ErrorsTest, ConnectionClosedMidResponseIsRetriedOnANewConnection) {
  FakeRuntimeApi api([](const FakeRequest&, int i) {
    if (i == 0) return FakeReply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", true};
    if (i == 1) return FakeReply{"HTTP/1.1 2", true};
    if (i == 2) return FakeReply{"", true};
    return FakeReply{event_reply("after", "{}")};
  });
  RuntimeClient client = make_client(api.endpoint());
  auto r = client.next();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->request_id, "after");
  EXPECT_EQ(api.connections(), 4);
}

TEST(ErrorsTest, ResponsePostIsRetriedWhenTheConnectionDrops) {
  FakeRuntimeApi api([](const FakeRequest&, int i) {
    if (i == 0) return FakeReply{"", true};  // read the body, then hang up
    if (i == 1) return FakeReply{"\x16\x03\x01garbage\r\n\r\n", true};  // not HTTP
    return FakeReply{accepted_reply()};
  });
  RuntimeClient client = make_client(api.endpoint());
  std::string body(100000, 'r');
  ASSERT_TRUE(client.respond("drop", InvocationResponse::success(body)).ok());
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].body, body);
}

TEST(ErrorsTest, StaleKeepAliveConnectionIsReplaced) {
  FakeRuntimeApi api([](const FakeRequest& r, int) {
    // Answer, then close the connection without saying so.
    return FakeReply{r.method == "GET" ? event_reply("s", "{}") : accepted_reply(), true};
  });
  RuntimeClient client = make_client(api.endpoint());
  ASSERT_TRUE(client.next().ok());
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(client.respond("s", InvocationResponse::success("{}")).ok());
  ASSERT_TRUE(client.next().ok());
}

TEST(ErrorsTest, GarbageIsAProtocolErrorNeverACrash) {
  const std::vector<std::string> garbage = {
      "HELLO WORLD\r\n\r\n",
      std::string("\x00\xff\x13\x37garbage\r\n\r\n", 15),
      "HTTP/1.1 abc OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: " + std::string(100000, 'a') + "\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",  // no request id
  };
  for (const std::string& g : garbage) {
    FakeRuntimeApi api([&](const FakeRequest&, int) { return FakeReply{g, true}; });
    RuntimeClient client = make_client(api.endpoint());
    auto r = client.next();
    ASSERT_FALSE(r.ok()) << g.substr(0, 60);
    EXPECT_EQ(r.error().code, ErrorCode::kProtocol) << g.substr(0, 60) << r.error().message;
  }
}

TEST(ErrorsTest, OversizedEventIsRejected) {
  FakeRuntimeApi api([](const FakeRequest&, int) {
    return FakeReply{event_reply("big", std::string(2048, 'x'))};
  });
  ClientOptions o;
  o.endpoint = api.endpoint();
  o.max_event_bytes = 1024;
  o.max_attempts = 1;
  auto client = RuntimeClient::create(o);
  auto r = client->next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kProtocol);
}

TEST(ErrorsTest, SlowNextIsAwaitedWithoutTimeout) {
  FakeRuntimeApi api([](const FakeRequest&, int) {
    FakeReply r{event_reply("slow", "{}")};
    r.delay = 700ms;
    return r;
  });
  RuntimeClient client = make_client(api.endpoint(), 100ms);  // io_timeout must not apply
  auto r = client.next();
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(ErrorsTest, SlowResponseAckTimesOutWithoutRetry) {
  FakeRuntimeApi api([](const FakeRequest&, int) {
    FakeReply r;
    r.hang = true;
    return r;
  });
  RuntimeClient client = make_client(api.endpoint(), 150ms);
  auto start = std::chrono::steady_clock::now();
  Status s = client.respond("x", InvocationResponse::success("{}"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kTimeout);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(api.requests().size(), 1u);
}

TEST(ErrorsTest, TrickleFedResponseIsStillParsed) {
  // The whole answer arrives byte by byte: parsing must cope with every split point.
  std::string body = "{\"k\":\"v\"}";
  FakeRuntimeApi api([&](const FakeRequest&, int) {
    FakeReply r{
        "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: t\r\n"
        "Transfer-Encoding: chunked\r\n\r\n3\r\n{\"k\r\n6\r\n\":\"v\"}\r\n0\r\n\r\n"};
    r.trickle = 1;
    return r;
  });
  RuntimeClient client = make_client(api.endpoint());
  auto r = client.next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload, "{\"k\":\"v\"}");
}

}  // namespace
}  // namespace nimbus::lambda
