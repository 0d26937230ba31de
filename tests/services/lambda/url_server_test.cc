// Function URL serving over a fake registry and runner: both address forms reach the right
// function with the payload 2.0 event, results and function errors map back, unknown URLs and
// other regions are 403 without an invoke, preflights are answered without one, AWS_IAM in
// strict mode, refusals of the runner, oversized events, and RESPONSE_STREAM's prelude.
#include "services/lambda/invoke/url_server.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "core/http_body.h"
#include "services/lambda/invoke/response_channel.h"
#include "services/lambda/invoke/url_event.h"
#include "fake_runner.h"

namespace nimbus::lambda {
namespace {

using Json = nlohmann::json;
constexpr char kId[] = "abcdefghijklmnopqrstuvwxyz012345";

class FakeVerifier : public RequestVerifier {
 public:
  RouteAuth Verify(const HttpRequest&, std::string_view service) const override {
    EXPECT_EQ(service, "lambda");
    return auth;
  }
  RouteAuth auth;
};

class UrlServerTest : public ::testing::Test {
 protected:
  UrlServerTest() {
    FunctionUrlTarget t;
    t.account_id = "123456789012";
    t.region = "us-east-1";
    t.function_name = "fn";
    t.url_id = kId;
    registry.urls[kId] = t;
  }

  // Serves `request` to completion and returns the answer with a streamed body read whole.
  HttpResponse Serve(HttpRequest request, std::string* streamed = nullptr) {
    HttpResponse out;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          out = co_await server.Serve(request, verifier);
          if (out.stream && streamed) {
            std::string piece;
            while (co_await out.stream->Next(piece)) *streamed += piece;
          }
        },
        boost::asio::detached);
    io.run();
    return out;
  }

  static HttpRequest PathForm(std::string method, std::string rest, std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.path = std::string(FunctionUrlServer::kPathPrefix) + kId + rest;
    r.headers.Add("Host", "127.0.0.1:4566");
    r.body = std::move(body);
    r.remote_address = "127.0.0.1:5000";
    return r;
  }

  boost::asio::io_context io;
  testing::FakeRegistry registry;
  testing::FakeRunner runner;
  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  FakeVerifier verifier;
  FunctionUrlServer server{registry, clock, runner};
};

TEST_F(UrlServerTest, PathFormInvokesWithThePayloadEventAndMapsTheResult) {
  runner.script = [](Invocation& inv) {
    inv.result = R"({"statusCode":201,"headers":{"x-a":"1"},"body":"made"})";
  };
  HttpRequest r = PathForm("POST", "/items", "hello");
  r.query = "x=1";
  r.headers.Add("Content-Type", "text/plain");
  HttpResponse a = Serve(std::move(r));
  EXPECT_EQ(a.status, 201);
  EXPECT_EQ(a.body, "made");
  EXPECT_EQ(a.headers.Get("x-a"), "1");
  EXPECT_FALSE(a.headers.Get("x-amzn-RequestId").empty());
  ASSERT_EQ(runner.runs.size(), 1u);
  const Invocation& inv = *runner.runs[0];
  EXPECT_EQ(inv.fn->function_name, "fn");
  EXPECT_EQ(inv.request_id, a.headers.Get("x-amzn-RequestId"));
  Json e = Json::parse(inv.payload);
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["rawPath"], "/items");
  EXPECT_EQ(e["rawQueryString"], "x=1");
  EXPECT_EQ(e["body"], "hello");
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["requestContext"]["domainName"],
            std::string(kId) + ".lambda-url.us-east-1.localhost");
  EXPECT_EQ(e["requestContext"]["http"]["sourceIp"], "127.0.0.1");
}

TEST_F(UrlServerTest, HostFormNeedsTheUrlsRegion) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/x";
  r.headers.Add("Host", std::string(kId) + ".lambda-url.us-east-1.localhost:4566");
  EXPECT_EQ(Serve(r).status, 200);
  ASSERT_EQ(runner.runs.size(), 1u);
  EXPECT_EQ(Json::parse(runner.runs[0]->payload)["rawPath"], "/x");
  io.restart();
  r.headers.Set("Host", std::string(kId) + ".lambda-url.eu-west-1.localhost:4566");
  HttpResponse other = Serve(r);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(runner.runs.size(), 1u);
}

TEST_F(UrlServerTest, UnknownUrlIsForbiddenWithoutAnInvoke) {
  HttpRequest r = PathForm("GET", "/");
  r.path = std::string(FunctionUrlServer::kPathPrefix) + "nosuchurl/";
  EXPECT_EQ(Serve(std::move(r)).status, 403);
  EXPECT_TRUE(runner.runs.empty());
}

TEST_F(UrlServerTest, FunctionErrorIs502AndRunnerRefusalKeepsItsStatus) {
  runner.script = [](Invocation& inv) {
    inv.function_error = true;
    inv.result = R"({"errorMessage":"boom","errorType":"Error"})";
  };
  EXPECT_EQ(Serve(PathForm("GET", "/")).status, 502);
  io.restart();
  AwsError throttled("TooManyRequestsException", "Rate Exceeded.", 429);
  runner.refuse = throttled;
  HttpResponse a = Serve(PathForm("GET", "/"));
  EXPECT_EQ(a.status, 429);
  EXPECT_NE(a.body.find("Rate Exceeded."), std::string::npos) << a.body;
}

TEST_F(UrlServerTest, GoneFunctionIsItsResolveError) {
  registry.missing.insert("fn");
  EXPECT_EQ(Serve(PathForm("GET", "/")).status, 404);
  EXPECT_TRUE(runner.runs.empty());
}

TEST_F(UrlServerTest, PreflightIsAnsweredWithoutAnInvoke) {
  registry.urls[kId].cors.configured = true;
  registry.urls[kId].cors.allow_origins = {"https://example.com"};
  registry.urls[kId].cors.allow_methods = {"POST"};
  HttpRequest r = PathForm("OPTIONS", "/");
  r.headers.Add("Origin", "https://example.com");
  r.headers.Add("Access-Control-Request-Method", "POST");
  HttpResponse a = Serve(std::move(r));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.headers.Get("Access-Control-Allow-Origin"), "https://example.com");
  EXPECT_EQ(a.headers.Get("Access-Control-Allow-Methods"), "POST");
  EXPECT_TRUE(runner.runs.empty());
}

TEST_F(UrlServerTest, AwsIamInStrictModeNeedsAProvenCallerOfTheFunctionsAccount) {
  registry.urls[kId].aws_iam = true;
  verifier.auth.strict = true;
  EXPECT_EQ(Serve(PathForm("GET", "/")).status, 403);  // unsigned
  io.restart();
  verifier.auth.signed_request = true;
  verifier.auth.ok = true;
  verifier.auth.account_id = "999999999999";
  EXPECT_EQ(Serve(PathForm("GET", "/")).status, 403);  // another account
  EXPECT_TRUE(runner.runs.empty());
  io.restart();
  verifier.auth.account_id = "123456789012";
  verifier.auth.access_key_id = "AKIDEXAMPLE";
  EXPECT_EQ(Serve(PathForm("GET", "/")).status, 200);
  ASSERT_EQ(runner.runs.size(), 1u);
  Json e = Json::parse(runner.runs[0]->payload);
  EXPECT_EQ(e["requestContext"]["authorizer"]["iam"]["accountId"], "123456789012");
  EXPECT_EQ(e["requestContext"]["authorizer"]["iam"]["accessKey"], "AKIDEXAMPLE");
}

TEST_F(UrlServerTest, OversizedEventIs413WithoutAnInvoke) {
  HttpResponse a = Serve(PathForm("POST", "/", std::string(6 * 1024 * 1024, 'a')));
  EXPECT_EQ(a.status, 413);
  EXPECT_TRUE(runner.runs.empty());
}

TEST_F(UrlServerTest, ResponseStreamTakesItsHeadFromThePrelude) {
  registry.urls[kId].streaming = true;
  runner.script = [](Invocation& inv) {
    inv.stream_content_type = std::string(kHttpIntegrationType);
    std::string bytes = R"({"statusCode":203,"headers":{"x-s":"y"}})";
    bytes += kPreludeSeparator;
    bytes += "part one, ";
    inv.stream->Push(bytes);
    inv.stream->Push("part two");
    inv.result.clear();  // streamed
  };
  std::string body;
  HttpResponse a = Serve(PathForm("GET", "/"), &body);
  EXPECT_EQ(a.status, 203);
  EXPECT_EQ(a.headers.Get("x-s"), "y");
  EXPECT_EQ(body, "part one, part two");
}

}  // namespace
}  // namespace nimbus::lambda
