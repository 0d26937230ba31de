// RuntimeClient against the fake Runtime API: round trips, headers, payload sizes, keep-alive.
#include "nimbus/lambda/client.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "fake_runtime_api.h"

namespace nimbus::lambda {
namespace {

using testing::accepted_reply;
using testing::event_reply;
using testing::FakeReply;
using testing::FakeRequest;
using testing::FakeRuntimeApi;
using testing::http_reply;

ClientOptions fast_options(const FakeRuntimeApi& api) {
  ClientOptions o;
  o.endpoint = api.endpoint();
  o.initial_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(5);
  o.io_timeout = std::chrono::milliseconds(5000);
  return o;
}

RuntimeClient make_client(const FakeRuntimeApi& api) {
  auto c = RuntimeClient::create(fast_options(api));
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

TEST(ClientTest, NextParsesEveryHeaderAndExportsTraceId) {
  FakeRuntimeApi api([](const FakeRequest&, int) {
    return FakeReply{
        event_reply("req-1", R"({"a":1})",
                    {{"Lambda-Runtime-Client-Context", R"({"custom":{"k":"v"}})"},
                     {"Lambda-Runtime-Cognito-Identity", R"({"cognitoIdentityId":"x"})"},
                     {"Lambda-Runtime-Aws-Tenant-Id", "tenant-7"}})};
  });
  RuntimeClient client = make_client(api);
  auto r = client.next();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->request_id, "req-1");
  EXPECT_EQ(r->payload, R"({"a":1})");
  EXPECT_EQ(r->deadline_ms, 4102444800000);
  EXPECT_GT(r->time_remaining().count(), 0);
  EXPECT_EQ(r->function_arn, "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(r->trace_id, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
  EXPECT_EQ(r->client_context, R"({"custom":{"k":"v"}})");
  EXPECT_EQ(r->cognito_identity, R"({"cognitoIdentityId":"x"})");
  EXPECT_EQ(r->tenant_id, "tenant-7");
  EXPECT_EQ(r->content_type, "application/json");
  ASSERT_NE(std::getenv("_X_AMZN_TRACE_ID"), nullptr);
  EXPECT_EQ(std::string(std::getenv("_X_AMZN_TRACE_ID")), r->trace_id);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].path, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(reqs[0].header("Host"), api.endpoint());
}

// _X_AMZN_TRACE_ID follows every event's trace id, whatever its length, even after a handler
// set or unset the variable itself; an event without one unsets it.
TEST(ClientTest, TraceIdEnvironmentFollowsEachEvent) {
  auto trace_of = [](int i) {
    if (i % 7 == 6) return std::string();
    std::string t = "Root=1-5759e988-" + std::to_string(i);
    if (i % 5 == 4) t += ";Parent=" + std::string(300, 'a');  // longer than the first buffer
    return t;
  };
  FakeRuntimeApi api([&](const FakeRequest& req, int n) {
    if (req.method != "GET") return FakeReply{accepted_reply()};
    std::string trace = trace_of(n / 2);
    std::vector<std::pair<std::string, std::string>> extra;
    if (!trace.empty()) extra.push_back({"Lambda-Runtime-Trace-Id", trace});
    std::string reply = event_reply("req-" + std::to_string(n / 2), "{}", extra);
    if (trace.empty()) {  // drop the default trace header
      auto at = reply.find("Lambda-Runtime-Trace-Id");
      reply.erase(at, reply.find("\r\n", at) + 2 - at);
    }
    return FakeReply{reply};
  });
  RuntimeClient client = make_client(api);
  for (int i = 0; i < 40; ++i) {
    auto r = client.next();
    ASSERT_TRUE(r.ok()) << r.error().message;
    const char* env = std::getenv("_X_AMZN_TRACE_ID");
    if (trace_of(i).empty()) {
      EXPECT_EQ(env, nullptr) << i;
    } else {
      ASSERT_NE(env, nullptr) << i;
      EXPECT_EQ(std::string(env), trace_of(i)) << i;
    }
    if (i % 3 == 0) ::setenv("_X_AMZN_TRACE_ID", "set-by-handler", 1);
    if (i % 11 == 0) ::unsetenv("_X_AMZN_TRACE_ID");
    ASSERT_TRUE(client.respond(r->request_id, InvocationResponse::success("{}")).ok());
  }
}

TEST(ClientTest, RespondPostsBodyAndContentTypeOnOneKeepAliveConnection) {
  FakeRuntimeApi api(testing::serve_events(3, "{}"));
  RuntimeClient client = make_client(api);
  for (int i = 0; i < 3; ++i) {
    auto r = client.next();
    ASSERT_TRUE(r.ok()) << r.error().message;
    Status s = client.respond(r->request_id, InvocationResponse::success("out", "text/plain"));
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/id-0/response");
  EXPECT_EQ(reqs[1].body, "out");
  EXPECT_EQ(reqs[1].header("Content-Type"), "text/plain");
  EXPECT_EQ(api.connections(), 1);
}

TEST(ClientTest, FailAndFailureResponsesUseTheErrorPathAndAwsShape) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  RuntimeClient client = make_client(api);
  ASSERT_TRUE(client.fail("r1", "Handler.Bad", "it \"broke\"\n").ok());
  ASSERT_TRUE(client.respond("r2", InvocationResponse::failure("m", "T.U")).ok());
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].path, "/2018-06-01/runtime/invocation/r1/error");
  EXPECT_EQ(reqs[0].header("Lambda-Runtime-Function-Error-Type"), "Handler.Bad");
  EXPECT_EQ(reqs[0].header("Content-Type"), "application/vnd.aws.lambda.error+json");
  EXPECT_EQ(reqs[0].body,
            R"({"errorMessage":"it \"broke\"\n","errorType":"Handler.Bad","stackTrace":[]})");
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/r2/error");
  EXPECT_EQ(reqs[1].body, R"({"errorMessage":"m","errorType":"T.U","stackTrace":[]})");
}

TEST(ClientTest, InitErrorPostsToInitPath) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  RuntimeClient client = make_client(api);
  ASSERT_TRUE(client.init_error("Runtime.ConfigError", "no table").ok());
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(reqs[0].header("Lambda-Runtime-Function-Error-Type"), "Runtime.ConfigError");
  EXPECT_EQ(reqs[0].body,
            R"({"errorMessage":"no table","errorType":"Runtime.ConfigError","stackTrace":[]})");
}

TEST(ClientTest, BinaryPayloadsSurviveBothWays) {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>(i % 256);
  FakeRuntimeApi api([&](const FakeRequest& r, int) {
    return FakeReply{r.method == "GET" ? event_reply("b", bytes) : accepted_reply()};
  });
  RuntimeClient client = make_client(api);
  auto r = client.next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload, bytes);
  ASSERT_TRUE(
      client.respond("b", InvocationResponse::success(r->payload, "application/octet-stream"))
          .ok());
  EXPECT_EQ(api.requests()[1].body, bytes);
}

TEST(ClientTest, SixMegabytePayloadsBothWays) {
  std::string big(6 * 1024 * 1024, 'x');
  big[12345] = '\0';
  FakeRuntimeApi api([&](const FakeRequest& r, int) {
    return FakeReply{r.method == "GET" ? event_reply("big", big) : accepted_reply()};
  });
  RuntimeClient client = make_client(api);
  auto r = client.next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload.size(), big.size());
  EXPECT_TRUE(r->payload == big);
  ASSERT_TRUE(client.respond("big", InvocationResponse::success(big)).ok());
  EXPECT_TRUE(api.requests()[1].body == big);
}

TEST(ClientTest, ChunkedAndCloseDelimitedNextBodies) {
  FakeRuntimeApi api([](const FakeRequest&, int i) {
    if (i == 0) {
      return FakeReply{
          "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: c1\r\nTransfer-Encoding: chunked\r\n"
          "\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"};
    }
    return FakeReply{"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: c2\r\n\r\nuntil close",
                     true};
  });
  RuntimeClient client = make_client(api);
  auto a = client.next();
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->payload, "hello world");
  auto b = client.next();
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->payload, "until close");
}

TEST(ClientTest, RequestIdIsEscapedInThePath) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  RuntimeClient client = make_client(api);
  ASSERT_TRUE(client.respond("a b/..\r\nX: y", InvocationResponse::success("")).ok());
  EXPECT_EQ(api.requests()[0].path,
            "/2018-06-01/runtime/invocation/a%20b%2F..%0D%0AX%3A%20y/response");
}

TEST(ClientTest, EndpointValidation) {
  for (const char* bad : {"nohost", ":9001", "host:", "host:0", "host:70000", "host:12ab", "a:b:1",
                          "[::1:80", "h st:80"}) {
    ClientOptions o;
    o.endpoint = bad;
    auto c = RuntimeClient::create(o);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().code, ErrorCode::kConfig);
  }
  for (const char* good : {"127.0.0.1:9001", "localhost:1", "[::1]:65535"}) {
    ClientOptions o;
    o.endpoint = good;
    EXPECT_TRUE(RuntimeClient::create(o).ok()) << good;
  }
}

TEST(ClientTest, MissingEnvironmentIsAConfigError) {
  ::unsetenv("AWS_LAMBDA_RUNTIME_API");
  auto c = RuntimeClient::create();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kConfig);
}

}  // namespace
}  // namespace nimbus::lambda
