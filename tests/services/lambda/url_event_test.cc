// Function URL mapping: the payload format 2.0 event, the result inference, stream preludes and
// CORS, as Lambda does them.
#include "services/lambda/invoke/url_event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::lambda {
namespace {

using Json = nlohmann::json;

HttpRequest Request(std::string method, std::string path, std::string query) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.local_port = 4566;
  r.headers.Add("Host", "abc.lambda-url.us-east-1.localhost:4566");
  return r;
}

UrlEventContext Context() {
  UrlEventContext c;
  c.url_id = "abc";
  c.raw_path = "/p";
  c.domain_name = "abc.lambda-url.us-east-1.localhost";
  c.source_ip = "127.0.0.1";
  c.request_id = "rid";
  c.trace_id = "Root=1-x";
  c.epoch_ms = 1700000000123;
  return c;
}

TEST(UrlEvent, TextAndBinaryContentTypes) {
  for (const char* t : {"text/plain", "text/html; charset=utf-8", "application/json",
                        "Application/JSON", "application/xml", "application/javascript",
                        "application/vnd.api+json", "application/soap+xml"}) {
    EXPECT_TRUE(IsTextContentType(t)) << t;
  }
  for (const char* t : {"", "application/octet-stream", "application/gzip", "image/png",
                        "application/x-www-form-urlencoded", "multipart/form-data"}) {
    EXPECT_FALSE(IsTextContentType(t)) << t;
  }
}

TEST(UrlEvent, EventFields) {
  HttpRequest r = Request("POST", "/p", "a=1&a=2&b=x%20y&c");
  r.headers.Add("X-Dup", "1");
  r.headers.Add("x-dup", "2");
  r.headers.Add("Cookie", "k=v; j=w");
  r.headers.Add("Content-Type", "application/octet-stream");
  r.body = std::string("\x00\xff", 2);
  Json e = Json::parse(BuildUrlEvent(r, Context()));
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["rawPath"], "/p");
  EXPECT_EQ(e["rawQueryString"], "a=1&a=2&b=x%20y&c");
  EXPECT_EQ(e["queryStringParameters"], (Json{{"a", "1,2"}, {"b", "x y"}, {"c", ""}}));
  EXPECT_EQ(e["cookies"], (Json{"k=v", "j=w"}));
  EXPECT_EQ(e["headers"]["x-dup"], "1,2");
  EXPECT_FALSE(e["headers"].contains("cookie"));
  EXPECT_EQ(e["headers"]["x-forwarded-port"], "4566");
  EXPECT_EQ(e["body"], "AP8=");
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(e["requestContext"]["time"], "14/Nov/2023:22:13:20 +0000");
  EXPECT_EQ(e["requestContext"]["timeEpoch"], 1700000000123);
  EXPECT_EQ(e["requestContext"]["accountId"], "anonymous");
  EXPECT_FALSE(e["requestContext"].contains("authorizer"));
  Json empty = Json::parse(BuildUrlEvent(Request("GET", "/", ""), Context()));
  EXPECT_FALSE(empty.contains("body"));
  EXPECT_FALSE(empty.contains("queryStringParameters"));
  EXPECT_FALSE(empty.contains("cookies"));
  EXPECT_EQ(empty["isBase64Encoded"], false);
}

TEST(UrlEvent, IamAuthorizer) {
  UrlEventContext c = Context();
  c.iam = true;
  c.caller_account = "111111111111";
  c.caller_access_key = "AKIA";
  Json e = Json::parse(BuildUrlEvent(Request("GET", "/", ""), c));
  EXPECT_EQ(e["requestContext"]["accountId"], "111111111111");
  EXPECT_EQ(e["requestContext"]["authorizer"]["iam"]["accessKey"], "AKIA");
  EXPECT_TRUE(e["requestContext"]["authorizer"]["iam"]["cognitoIdentity"].is_null());
}

TEST(UrlEvent, ResultInference) {
  HttpResponse s = MapUrlResult(R"("hi")");
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.body, "hi");
  EXPECT_EQ(s.headers.Get("Content-Type"), "application/json");
  HttpResponse o = MapUrlResult(R"({"message":"x"})");
  EXPECT_EQ(o.body, R"({"message":"x"})");
  HttpResponse full =
      MapUrlResult(R"({"statusCode":201,"headers":{"x-a":"1","x-n":2},"cookies":["a=1","b=2"],)"
                   R"("body":"AAE=","isBase64Encoded":true})");
  EXPECT_EQ(full.status, 201);
  EXPECT_EQ(full.body, std::string("\x00\x01", 2));
  EXPECT_EQ(full.headers.Get("x-n"), "2");
  int cookies = 0;
  for (const auto& [k, v] : full.headers.entries()) cookies += k == "Set-Cookie";
  EXPECT_EQ(cookies, 2);
  EXPECT_EQ(MapUrlResult(R"({"statusCode":"404"})").status, 404);
  EXPECT_EQ(MapUrlResult(R"({"statusCode":200,"body":{"a":1}})").body, R"({"a":1})");
}

TEST(UrlEvent, StreamPrelude) {
  HttpResponse r = MapStreamPrelude(R"({"statusCode":202,"headers":{"content-type":"text/x"}})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.headers.Get("Content-Type"), "text/x");
  HttpResponse d = MapStreamPrelude("{}");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.headers.Get("Content-Type"), "application/octet-stream");
}

TEST(UrlEvent, Cors) {
  FunctionUrlCors cors;
  cors.configured = true;
  cors.allow_origins = {"https://a.example"};
  cors.allow_methods = {"GET", "POST"};
  cors.max_age = 10;
  HttpRequest pre = Request("OPTIONS", "/", "");
  pre.headers.Add("Origin", "https://a.example");
  pre.headers.Add("Access-Control-Request-Method", "POST");
  ASSERT_TRUE(IsPreflight(pre, cors));
  HttpResponse r = PreflightResponse(pre, cors);
  EXPECT_EQ(r.headers.Get("Access-Control-Allow-Origin"), "https://a.example");
  EXPECT_EQ(r.headers.Get("Access-Control-Allow-Methods"), "GET,POST");
  EXPECT_EQ(r.headers.Get("Access-Control-Max-Age"), "10");
  pre.headers.Set("Origin", "https://b.example");
  EXPECT_FALSE(PreflightResponse(pre, cors).headers.Has("Access-Control-Allow-Origin"));
  HttpResponse fn;
  fn.headers.Add("Access-Control-Allow-Origin", "*");
  ApplyCors(pre, cors, fn);  // a disallowed origin: the function's own CORS headers go too
  EXPECT_FALSE(fn.headers.Has("Access-Control-Allow-Origin"));
  EXPECT_FALSE(IsPreflight(pre, FunctionUrlCors{}));
}

}  // namespace
}  // namespace nimbus::lambda
