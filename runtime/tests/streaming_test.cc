// ResponseWriter: streaming mode headers, chunks, trailers and the /error fallback.
#include <gtest/gtest.h>

#include "codec.h"
#include "fake_runtime_api.h"
#include "nimbus/lambda/runtime.h"

namespace nimbus::lambda {
namespace {

using namespace std::chrono_literals;
using testing::accepted_reply;
using testing::FakeReply;
using testing::FakeRequest;
using testing::FakeRuntimeApi;

RuntimeClient make_client(const FakeRuntimeApi& api) {
  ClientOptions o;
  o.endpoint = api.endpoint();
  auto c = RuntimeClient::create(o);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

TEST(StreamingTest, WritesChunksWithStreamingHeaders) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  RuntimeClient client = make_client(api);
  {
    ResponseWriter w = client.stream("s1", "text/plain");
    EXPECT_FALSE(w.started());
    ASSERT_TRUE(w.write("hello ").ok());
    ASSERT_TRUE(w.write("").ok());
    ASSERT_TRUE(w.write(std::string(100000, 'z')).ok());
    ASSERT_TRUE(w.finish().ok());
    EXPECT_TRUE(w.finish().ok());
  }
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/2018-06-01/runtime/invocation/s1/response");
  EXPECT_EQ(reqs[0].header("Lambda-Runtime-Function-Response-Mode"), "streaming");
  EXPECT_EQ(reqs[0].header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(reqs[0].header("Content-Type"), "text/plain");
  EXPECT_EQ(reqs[0].header("Trailer"),
            "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body");
  EXPECT_EQ(reqs[0].body, "hello " + std::string(100000, 'z'));
  EXPECT_TRUE(reqs[0].trailers.empty());
}

TEST(StreamingTest, ErrorAfterFirstByteGoesInTrailers) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  RuntimeClient client = make_client(api);
  ResponseWriter w = client.stream("s2");
  ASSERT_TRUE(w.write("part").ok());
  ASSERT_TRUE(w.fail("Stream.Broken", "disk\r\nfull").ok());
  EXPECT_FALSE(w.write("more").ok());
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].body, "part");
  EXPECT_EQ(reqs[0].trailer("Lambda-Runtime-Function-Error-Type"), "Stream.Broken");
  std::string json =
      R"({"errorMessage":"disk\r\nfull","errorType":"Stream.Broken","stackTrace":[]})";
  EXPECT_EQ(reqs[0].trailer("Lambda-Runtime-Function-Error-Body"), internal::base64_encode(json));
}

TEST(StreamingTest, ErrorBeforeFirstByteUsesErrorPath) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  RuntimeClient client = make_client(api);
  ResponseWriter w = client.stream("s3");
  ASSERT_TRUE(w.fail("Early.Fail", "nope").ok());
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/2018-06-01/runtime/invocation/s3/error");
  EXPECT_EQ(reqs[0].header("Lambda-Runtime-Function-Response-Mode"), "");
}

TEST(StreamingTest, RejectedStreamReportsTheStatus) {
  FakeRuntimeApi api([](const FakeRequest&, int) {
    return FakeReply{testing::http_reply(400, R"({"errorType":"InvalidFunctionResponseMode"})")};
  });
  RuntimeClient client = make_client(api);
  ResponseWriter w = client.stream("s4");
  ASSERT_TRUE(w.write("x").ok());
  Status s = w.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidRequestId);
}

TEST(StreamingTest, RunStreamingHandlerStreamsEachEvent) {
  FakeRuntimeApi api(testing::serve_events(2, "{}"));
  RunOptions o;
  o.client.endpoint = api.endpoint();
  o.max_invocations = 2;
  o.handle_sigterm = false;
  int rc = run_streaming_handler(
      [](const InvocationRequest& r, ResponseWriter& w) {
        w.set_content_type("text/event-stream");
        if (r.request_id == "id-1") throw std::logic_error("late");
        (void)w.write("data: 1\n\n");
      },
      o);
  EXPECT_EQ(rc, 0);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[1].body, "data: 1\n\n");
  EXPECT_EQ(reqs[1].header("Content-Type"), "text/event-stream");
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/id-1/error");
  EXPECT_EQ(reqs[3].header("Lambda-Runtime-Function-Error-Type"), "std::logic_error");
}

}  // namespace
}  // namespace nimbus::lambda
