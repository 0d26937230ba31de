// Event source mapping pollers over a fake queue and a fake data plane: a batch is one
// invocation and is deleted on success; a function error deletes nothing; with
// ReportBatchItemFailures only the reported items stay; a disabled mapping does not poll; Stop
// ends parked pollers.
#include "services/lambda/mappings/sqs_poller.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

namespace nimbus::lambda {
namespace {

const char kQueue[] = "arn:aws:sqs:us-east-1:123456789012:q";

class FakeQueue : public sqs::QueueReader {
 public:
  void Add(const std::string& id, const std::string& body) {
    std::lock_guard lock(mu);
    sqs::PolledMessage m;
    m.message_id = id;
    m.receipt_handle = "rh-" + id;
    m.body = body;
    visible.push_back(m);
    for (auto& w : waiters) w->Notify();
    waiters.clear();
  }
  Result<sqs::QueueFacts> Describe(const std::string&) override { return sqs::QueueFacts{}; }
  Result<sqs::PolledBatch> Receive(const std::string& arn, int max, std::optional<int64_t>,
                                   const std::shared_ptr<Waiter>& waiter) override {
    std::lock_guard lock(mu);
    EXPECT_EQ(arn, kQueue);
    ++receives;
    sqs::PolledBatch batch;
    while (!visible.empty() && static_cast<int>(batch.messages.size()) < max) {
      batch.messages.push_back(visible.front());
      visible.pop_front();
    }
    if (batch.messages.empty() && waiter) waiters.push_back(waiter);
    return batch;
  }
  Status Delete(const std::string&, const std::string& handle) override {
    std::lock_guard lock(mu);
    deleted.insert(handle);
    return Status::Ok();
  }
  Status ChangeVisibility(const std::string&, const std::string&, int64_t) override {
    return Status::Ok();
  }

  std::mutex mu;
  std::deque<sqs::PolledMessage> visible;
  std::vector<std::shared_ptr<Waiter>> waiters;
  std::set<std::string> deleted;
  int receives = 0;
};

class FakeRegistry : public FunctionRegistry {
 public:
  Result<ResolvedInvoke, AwsError> ResolveInvoke(const std::string&, const std::string&,
                                                 const std::string& name,
                                                 const std::string&) override {
    ResolvedInvoke r;
    r.function = std::make_shared<FunctionSnapshot>();
    r.invoked_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + name;
    r.executed_version = "$LATEST";
    return r;
  }
  void AddChangeListener(ChangeListener) override {}
  std::optional<FunctionUrlTarget> ResolveFunctionUrl(const std::string&) override {
    return std::nullopt;
  }
  void ReportImageDeleted(const FunctionSnapshot&) override {}
};

class FakePlane : public DataPlane {
 public:
  void RegisterOperations(OperationTable&) override {}
  void RegisterRoutes(RouteTable&) override {}
  void Shutdown() override {}
  bool Stopped() override { return true; }
  std::string LimitsNote() const override { return ""; }
  Status EnqueueEvent(const ResolvedInvoke&, const std::string&) override { return Status::Ok(); }
  boost::asio::awaitable<Result<SyncInvokeOutcome, AwsError>> InvokeSync(
      const ResolvedInvoke&, std::string payload) override {
    events.push_back(nlohmann::json::parse(payload));
    SyncInvokeOutcome out;
    out.function_error = function_error;
    out.result = result;
    co_return out;
  }

  std::vector<nlohmann::json> events;
  bool function_error = false;
  std::string result = "null";
};

class SqsPollerTest : public ::testing::Test {
 protected:
  SqsPollerTest() {
    PollerDeps deps;
    deps.registry = &registry;
    deps.plane = &plane;
    deps.queues = queue;
    deps.loops = {&io};
    pollers = std::make_unique<SqsPollers>(std::move(deps));
    mapping.uuid = "u1";
    mapping.account = "123456789012";
    mapping.region = "us-east-1";
    mapping.function_name = "fn";
    mapping.event_source_arn = kQueue;
    mapping.max_concurrency = 2;
  }
  // Runs the loop until `done` holds (or a bound passes), then stops the pollers and drains.
  template <class Fn>
  void RunUntil(Fn done) {
    for (int i = 0; i < 400 && !done(); ++i) io.run_for(std::chrono::milliseconds(5));
    pollers->Stop();
    io.run_for(std::chrono::seconds(2));
  }

  boost::asio::io_context io;
  std::shared_ptr<FakeQueue> queue = std::make_shared<FakeQueue>();
  FakeRegistry registry;
  FakePlane plane;
  std::unique_ptr<SqsPollers> pollers;
  EventSourceMapping mapping;
};

TEST_F(SqsPollerTest, ABatchIsOneInvocationAndIsDeletedOnSuccess) {
  for (const char* id : {"a", "b", "c"}) queue->Add(id, std::string("body-") + id);
  pollers->Apply(mapping.uuid, mapping);
  RunUntil([&] { return queue->deleted.size() == 3; });
  ASSERT_EQ(plane.events.size(), 1u);
  ASSERT_EQ(plane.events[0]["Records"].size(), 3u);
  EXPECT_EQ(plane.events[0]["Records"][1]["body"], "body-b");
  EXPECT_EQ(queue->deleted, (std::set<std::string>{"rh-a", "rh-b", "rh-c"}));
  EXPECT_TRUE(io.stopped());  // Stop ended the pollers parked on an empty queue
}

TEST_F(SqsPollerTest, ABatchLargerThanTenGathersSeveralReceivesWithinTheWindow) {
  mapping.batch_size = 25;
  mapping.max_batching_window_seconds = 1;
  mapping.max_concurrency = 2;
  for (int i = 0; i < 12; ++i) queue->Add("m" + std::to_string(i), "x");
  pollers->Apply(mapping.uuid, mapping);
  // Within the window more arrive (usually: a stalled host may start a second batch); the
  // batch, not full, goes when the window ends.
  io.run_for(std::chrono::milliseconds(100));
  queue->Add("m12", "late");
  RunUntil([&] { return queue->deleted.size() == 13; });
  ASSERT_FALSE(plane.events.empty());
  EXPECT_GE(plane.events[0]["Records"].size(), 12u);  // two receives (10 + 2) or more
  size_t total = 0;
  for (const auto& e : plane.events) total += e["Records"].size();
  EXPECT_EQ(total, 13u);
}

TEST_F(SqsPollerTest, AMessageSentLaterWakesAParkedPoller) {
  pollers->Apply(mapping.uuid, mapping);
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(plane.events.empty());
  queue->Add("late", "x");
  RunUntil([&] { return queue->deleted.size() == 1; });
  EXPECT_EQ(plane.events.size(), 1u);
}

TEST_F(SqsPollerTest, AFunctionErrorDeletesNothing) {
  plane.function_error = true;
  queue->Add("a", "1");
  queue->Add("b", "2");
  pollers->Apply(mapping.uuid, mapping);
  RunUntil([&] { return !plane.events.empty(); });
  EXPECT_TRUE(queue->deleted.empty());
}

TEST_F(SqsPollerTest, ReportedItemFailuresStayOnlyWhenTheMappingAsks) {
  plane.result = R"({"batchItemFailures":[{"itemIdentifier":"b"}]})";
  mapping.report_batch_item_failures = true;
  queue->Add("a", "1");
  queue->Add("b", "2");
  pollers->Apply(mapping.uuid, mapping);
  RunUntil([&] { return !queue->deleted.empty(); });
  EXPECT_EQ(queue->deleted, (std::set<std::string>{"rh-a"}));
}

TEST_F(SqsPollerTest, ItemFailuresAreIgnoredWithoutReportBatchItemFailures) {
  plane.result = R"({"batchItemFailures":[{"itemIdentifier":"b"}]})";
  queue->Add("a", "1");
  queue->Add("b", "2");
  pollers->Apply(mapping.uuid, mapping);
  RunUntil([&] { return queue->deleted.size() == 2; });
  EXPECT_EQ(queue->deleted.size(), 2u);
}

TEST_F(SqsPollerTest, MessagesNoFilterMatchesAreDeletedWithoutAnInvocation) {
  mapping.filter_criteria = {{"Filters",
                              {{{"Pattern", R"({"body":{"kind":["keep"]}})"}},
                               {{"Pattern", R"({"body":[{"prefix":"plain-keep"}]})"}}}}};
  queue->Add("a", R"({"kind":"keep","n":1})");
  queue->Add("b", R"({"kind":"drop"})");
  queue->Add("c", "plain-keep me");
  queue->Add("d", "plain-drop");
  pollers->Apply(mapping.uuid, mapping);
  RunUntil([&] { return queue->deleted.size() == 4; });
  EXPECT_EQ(queue->deleted, (std::set<std::string>{"rh-a", "rh-b", "rh-c", "rh-d"}));
  std::set<std::string> invoked;
  for (const auto& e : plane.events) {
    for (const auto& r : e["Records"]) invoked.insert(r["messageId"].get<std::string>());
  }
  EXPECT_EQ(invoked, (std::set<std::string>{"a", "c"}));
  // The function gets the body as sent, not the parsed form filtering looked at.
  for (const auto& e : plane.events) {
    for (const auto& r : e["Records"]) EXPECT_TRUE(r["body"].is_string());
  }
}

TEST_F(SqsPollerTest, ABatchStopsShortOfSixMegabytesAndTheRestGoesNext) {
  mapping.batch_size = 100;
  mapping.max_batching_window_seconds = 1;
  mapping.max_concurrency = 1;
  std::string big(250 * 1024, 'x');
  for (int i = 0; i < 30; ++i) queue->Add("m" + std::to_string(i), big);  // 7.5 MB
  pollers->Apply(mapping.uuid, mapping);
  RunUntil([&] { return queue->deleted.size() == 30; });
  ASSERT_GE(plane.events.size(), 2u);
  size_t total = 0;
  for (const auto& e : plane.events) {
    EXPECT_LE(e.dump().size(), 6u * 1024 * 1024);
    total += e["Records"].size();
  }
  EXPECT_EQ(total, 30u);
  EXPECT_GE(plane.events[0]["Records"].size(), 20u);  // full up to the cap, not one by one
}

TEST_F(SqsPollerTest, ADisabledOrDeletedMappingDoesNotPoll) {
  mapping.enabled = false;
  queue->Add("a", "1");
  pollers->Apply(mapping.uuid, mapping);
  pollers->Apply("gone", std::nullopt);
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(queue->receives, 0);
  EXPECT_TRUE(plane.events.empty());
}

}  // namespace
}  // namespace nimbus::lambda
