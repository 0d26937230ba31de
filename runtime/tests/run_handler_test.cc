// run_handler(): the loop's reactions to handlers, exceptions, statuses and SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <stdexcept>
#include <thread>

#include "fake_runtime_api.h"
#include "nimbus/lambda/runtime.h"

namespace nimbus::lambda {
namespace {

using namespace std::chrono_literals;
using testing::accepted_reply;
using testing::event_reply;
using testing::FakeReply;
using testing::FakeRequest;
using testing::FakeRuntimeApi;
using testing::http_reply;

RunOptions options_for(const FakeRuntimeApi& api, std::size_t max = 0) {
  RunOptions o;
  o.client.endpoint = api.endpoint();
  o.client.initial_backoff = 1ms;
  o.client.max_backoff = 4ms;
  o.max_invocations = max;
  o.handle_sigterm = false;
  o.log = false;
  return o;
}

TEST(RunHandlerTest, ServesEventsAndKeepsState) {
  FakeRuntimeApi api(testing::serve_events(3, R"({"name":"x"})"));
  int counter = 0;
  int rc = run_handler(
      [&](const InvocationRequest& r) {
        return InvocationResponse::success(r.payload + std::to_string(++counter));
      },
      options_for(api, 3));
  EXPECT_EQ(rc, 0);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[5].path, "/2018-06-01/runtime/invocation/id-2/response");
  EXPECT_EQ(reqs[5].body, R"({"name":"x"}3)");
}

TEST(RunHandlerTest, FailureResponseGoesToErrorPath) {
  FakeRuntimeApi api(testing::serve_events(1, "not json at all \xff"));
  int rc = run_handler(
      [](const InvocationRequest&) {
        return InvocationResponse::failure("bad input", "Input.Bad");
      },
      options_for(api, 1));
  EXPECT_EQ(rc, 0);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].path, "/2018-06-01/runtime/invocation/id-0/error");
  EXPECT_EQ(reqs[1].header("Lambda-Runtime-Function-Error-Type"), "Input.Bad");
}

TEST(RunHandlerTest, ThrowingHandlerBecomesAnAwsError) {
  FakeRuntimeApi api(testing::serve_events(2, "{}"));
  int rc = run_handler(
      [](const InvocationRequest& r) -> InvocationResponse {
        if (r.request_id == "id-0") throw std::runtime_error("boom");
        throw 42;
      },
      options_for(api, 2));
  EXPECT_EQ(rc, 0);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[1].header("Lambda-Runtime-Function-Error-Type"), "std::runtime_error");
  EXPECT_EQ(reqs[1].body,
            R"({"errorMessage":"boom","errorType":"std::runtime_error","stackTrace":[]})");
  EXPECT_EQ(reqs[3].header("Lambda-Runtime-Function-Error-Type"), "Runtime.UnknownException");
}

TEST(RunHandlerTest, ContainerErrorOnNextExits) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{http_reply(500, "")}; });
  EXPECT_EQ(run_handler([](const InvocationRequest&) { return InvocationResponse::success(""); },
                        options_for(api)),
            1);
  EXPECT_EQ(api.requests().size(), 1u);
}

TEST(RunHandlerTest, WrongStateOnResponseExits) {
  FakeRuntimeApi api([](const FakeRequest& r, int) {
    return FakeReply{r.method == "GET" ? event_reply("a", "{}") : http_reply(403, "")};
  });
  EXPECT_EQ(run_handler([](const InvocationRequest&) { return InvocationResponse::success(""); },
                        options_for(api)),
            1);
}

TEST(RunHandlerTest, InvalidRequestIdIsReportedAndTheLoopContinues) {
  FakeRuntimeApi api([](const FakeRequest& r, int i) {
    if (r.method == "GET") return FakeReply{event_reply("e" + std::to_string(i), "{}")};
    return FakeReply{i == 1 ? http_reply(400, "") : accepted_reply()};
  });
  EXPECT_EQ(run_handler([](const InvocationRequest&) { return InvocationResponse::success(""); },
                        options_for(api, 2)),
            0);
  EXPECT_EQ(api.requests().size(), 4u);
}

TEST(RunHandlerTest, OversizedResponseIsReportedAsFunctionError) {
  FakeRuntimeApi api([](const FakeRequest& r, int) {
    if (r.method == "GET") return FakeReply{event_reply("big", "{}")};
    if (r.path.ends_with("/response")) return FakeReply{http_reply(413, "")};
    return FakeReply{accepted_reply()};
  });
  EXPECT_EQ(run_handler([](const InvocationRequest&) { return InvocationResponse::success("x"); },
                        options_for(api, 1)),
            0);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].path, "/2018-06-01/runtime/invocation/big/error");
  EXPECT_EQ(reqs[2].header("Lambda-Runtime-Function-Error-Type"), "Function.ResponseSizeTooLarge");
}

TEST(RunHandlerTest, EventsWithoutRequestIdAreSkippedThenFatal) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{http_reply(200, "{}")}; });
  EXPECT_EQ(run_handler([](const InvocationRequest&) { return InvocationResponse::success(""); },
                        options_for(api)),
            1);
  EXPECT_EQ(api.requests().size(), 5u);
}

TEST(RunHandlerTest, EmptyHandlerIsAnInitError) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  EXPECT_EQ(run_handler(Handler{}, options_for(api)), 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(reqs[0].header("Lambda-Runtime-Function-Error-Type"), "Runtime.InvalidEntrypoint");
}

TEST(RunHandlerTest, ReportInitError) {
  FakeRuntimeApi api([](const FakeRequest&, int) { return FakeReply{accepted_reply()}; });
  ClientOptions o;
  o.endpoint = api.endpoint();
  EXPECT_EQ(report_init_error("Runtime.Config", "missing TABLE", o), 1);
  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].body,
            R"({"errorMessage":"missing TABLE","errorType":"Runtime.Config","stackTrace":[]})");
}

TEST(RunHandlerTest, MissingRuntimeApiExitsAtOnce) {
  ::unsetenv("AWS_LAMBDA_RUNTIME_API");
  RunOptions o;
  o.log = false;
  o.handle_sigterm = false;
  EXPECT_EQ(
      run_handler([](const InvocationRequest&) { return InvocationResponse::success(""); }, o), 1);
}

TEST(RunHandlerTest, SigtermWhileWaitingOnNextExitsCleanly) {
  FakeRuntimeApi api(testing::serve_events(1, "{}"));
  RunOptions o = options_for(api);
  o.handle_sigterm = true;
  int served = 0;
  std::thread killer([&] {
    while (api.request_count() < 3) std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(50ms);  // the loop is now blocked on the hanging /next
    ::kill(::getpid(), SIGTERM);
  });
  int rc = run_handler(
      [&](const InvocationRequest&) {
        ++served;
        return InvocationResponse::success("");
      },
      o);
  killer.join();
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(served, 1);
  EXPECT_TRUE(shutdown_requested());
}

}  // namespace
}  // namespace nimbus::lambda
