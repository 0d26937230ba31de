// The Runtime API's routes and answers: next, response, error and init/error by method and
// path, 405 for next with another method, 404 for the rest; the error object a runtime posts,
// from its JSON body or built from the error-type header.
#include "services/lambda/invoke/runtime_api_protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::lambda {
namespace {

using Kind = RuntimeApiRoute::Kind;

TEST(RuntimeApiProtocol, Routes) {
  EXPECT_EQ(RouteRuntimeApi("GET", "/2018-06-01/runtime/invocation/next").kind, Kind::kNext);
  EXPECT_EQ(RouteRuntimeApi("POST", "/2018-06-01/runtime/invocation/next").kind,
            Kind::kWrongMethod);
  EXPECT_EQ(RouteRuntimeApi("POST", "/2018-06-01/runtime/init/error").kind, Kind::kInitError);
  auto response = RouteRuntimeApi("POST", "/2018-06-01/runtime/invocation/abc-1/response");
  EXPECT_EQ(response.kind, Kind::kResponse);
  EXPECT_EQ(response.request_id, "abc-1");
  auto error = RouteRuntimeApi("POST", "/2018-06-01/runtime/invocation/abc-2/error");
  EXPECT_EQ(error.kind, Kind::kError);
  EXPECT_EQ(error.request_id, "abc-2");
  for (auto [method, path] : std::initializer_list<std::pair<const char*, const char*>>{
           {"GET", "/2018-06-01/runtime/init/error"},
           {"GET", "/2018-06-01/runtime/invocation/abc/response"},
           {"POST", "/2018-06-01/runtime/invocation/abc/response/more"},
           {"POST", "/2018-06-01/runtime/invocation/abc"},
           {"POST", "/2018-06-01/runtime/invocation/abc/other"},
           {"GET", "/2020-01-01/runtime/invocation/next"},
           {"GET", "/"}}) {
    EXPECT_EQ(RouteRuntimeApi(method, path).kind, Kind::kUnknown) << method << " " << path;
  }
}

TEST(RuntimeApiProtocol, Answers) {
  HttpResponse e = RuntimeApiError(403, "InvalidStateTransition", "not now");
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.headers.Get("Content-Type"), "application/json");
  auto body = nlohmann::json::parse(e.body);
  EXPECT_EQ(body["errorType"], "InvalidStateTransition");
  EXPECT_EQ(body["errorMessage"], "not now");
  HttpResponse ok = RuntimeApiAccepted();
  EXPECT_EQ(ok.status, 202);
  EXPECT_EQ(ok.body, R"({"status":"OK"})");
}

TEST(RuntimeApiProtocol, PostedErrorBody) {
  HttpRequest json;
  json.body = R"({"errorMessage":"boom","errorType":"MyError"})";
  EXPECT_EQ(PostedErrorBody(json), json.body);
  HttpRequest text;
  text.body = "plain words";
  text.headers.Add("Lambda-Runtime-Function-Error-Type", "Custom.Type");
  auto built = nlohmann::json::parse(PostedErrorBody(text));
  EXPECT_EQ(built["errorType"], "Custom.Type");
  EXPECT_EQ(built["errorMessage"], "plain words");
  HttpRequest bare;
  bare.body = "x";
  EXPECT_EQ(nlohmann::json::parse(PostedErrorBody(bare))["errorType"], "Unhandled");
}

}  // namespace
}  // namespace nimbus::lambda
