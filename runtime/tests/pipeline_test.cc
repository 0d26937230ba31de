// ClientOptions::pipeline_next: respond()/fail() send GET /next in the same write, and next()
// then reads that request's answer instead of asking again.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

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

RuntimeClient pipelining_client(const FakeRuntimeApi& api, std::chrono::milliseconds io_timeout) {
  ClientOptions o;
  o.endpoint = api.endpoint();
  o.initial_backoff = 1ms;
  o.max_backoff = 4ms;
  o.io_timeout = io_timeout;
  o.pipeline_next = true;
  auto c = RuntimeClient::create(o);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

// Answers every /next with event id-<n> and every POST with `post_reply`.
FakeRuntimeApi::Script events_and(FakeReply post_reply) {
  return [post_reply](const FakeRequest& r, int index) {
    if (r.path.ends_with("/next")) {
      return FakeReply{event_reply("id-" + std::to_string(index), "{}")};
    }
    return post_reply;
  };
}

TEST(PipelineTest, OneGetPerEventAndTheLateAnswerToThePostIsAwaited) {
  // The server may answer the POST only when the next event is ready: longer than io_timeout.
  FakeReply late{accepted_reply()};
  late.delay = 150ms;
  FakeRuntimeApi api(events_and(late));
  RuntimeClient client = pipelining_client(api, 20ms);
  for (int i = 0; i < 3; ++i) {
    auto event = client.next();
    ASSERT_TRUE(event.ok()) << event.error().message;
    Status s = i == 1 ? client.fail(event->request_id, "E.Type", "boom")
                      : client.respond(event->request_id, InvocationResponse::success("ok"));
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  // next, then (post + pipelined next) three times; the fake parses the last GET after it
  // answered the last POST.
  for (int i = 0; i < 100 && api.request_count() < 7; ++i) std::this_thread::sleep_for(10ms);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 7u);
  for (std::size_t i = 0; i < reqs.size(); i += 2) EXPECT_EQ(reqs[i].method, "GET") << i;
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/id-0/response");
  EXPECT_EQ(reqs[3].path, "/2018-06-01/runtime/invocation/id-2/error");
  EXPECT_EQ(reqs[5].path, "/2018-06-01/runtime/invocation/id-4/response");
  EXPECT_EQ(api.connections(), 1);
}

TEST(PipelineTest, AnErrorAnswerToThePostLeavesThePipelinedNextToBeRead) {
  FakeRuntimeApi api(events_and(FakeReply{http_reply(400, R"({"errorType":"InvalidRequestID"})")}));
  RuntimeClient client = pipelining_client(api, 5000ms);
  auto first = client.next();
  ASSERT_TRUE(first.ok());
  Status s = client.respond(first->request_id, InvocationResponse::success("late"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidRequestId);
  auto second = client.next();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->request_id, "id-2");  // the GET sent with the POST, not a new one
  EXPECT_EQ(api.request_count(), 3u);
}

TEST(PipelineTest, PayloadsOverTheLimitAreNotPipelined) {
  // A 413 is followed by the runtime's own error report: no GET /next may be queued before it.
  FakeRuntimeApi api(events_and(FakeReply{http_reply(413, R"({"errorType":"TooLarge"})")}));
  RuntimeClient client = pipelining_client(api, 5000ms);
  auto first = client.next();
  ASSERT_TRUE(first.ok());
  std::string big((6u << 20) + 1, 'x');
  Status s = client.respond(first->request_id, InvocationResponse::success(big));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(api.request_count(), 2u);  // GET /next, POST: nothing rode along
  auto second = client.next();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->request_id, "id-2");
}

TEST(PipelineTest, AClosedConnectionAsksForTheNextEventAgain) {
  FakeReply closing{accepted_reply()};
  closing.close_after = true;  // the pipelined GET is lost with the connection
  FakeRuntimeApi api(events_and(closing));
  RuntimeClient client = pipelining_client(api, 5000ms);
  auto first = client.next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(client.respond(first->request_id, InvocationResponse::success("ok")).ok());
  auto second = client.next();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(api.connections(), 2);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].method, "GET");
}

}  // namespace
}  // namespace nimbus::lambda
