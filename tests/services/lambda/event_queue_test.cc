// The durable Event queue over a fake runner and clock: an event runs once and is gone; a
// function error is retried MaximumRetryAttempts times, ~1 then ~2 retry bases later; a refused
// (throttled) run comes back a second later; an event past MaximumEventAgeInSeconds, or of a
// function that is gone, is dropped without a run; queued events survive a new queue (restart).
#include "services/lambda/invoke/event_queue.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "fake_runner.h"
#include "test_util.h"

namespace nimbus::lambda {
namespace {

using std::chrono::seconds;

class EventQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::Open(dir.path());
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    Restart();
  }

  // A new queue on the same database, as a restarted nimbus opens it.
  void Restart() {
    if (queue) {
      queue->Stop();  // its worker ends at its next poll: keep it until then
      stopped.push_back(std::move(queue));
    }
    queue = std::make_unique<EventQueue>(runner, registry, DestinationLinks{}, *db_, clock,
                                         /*retry_base_seconds=*/60);
    ASSERT_TRUE(queue->Migrate().ok());
    queue->Start(io);
  }

  Status Enqueue(const std::string& name, const std::string& payload) {
    auto target = registry.ResolveInvoke("123456789012", "us-east-1", name, "");
    EXPECT_TRUE(target.ok());
    return queue->Enqueue(*target, payload);
  }

  // Moves the clock and wakes the worker, which sleeps until the next due time by the clock.
  void Advance(std::chrono::seconds d) {
    clock.Advance(d);
    queue->Wake();
  }

  // Runs the loop until `runs` invocations were made (or a generous bound passes), then a
  // while longer so that anything more that is due would run too.
  void RunUntil(size_t runs) {
    for (int i = 0; i < 1000 && runner.runs.size() < runs; ++i) {
      io.run_for(std::chrono::milliseconds(5));
    }
    Settle();
  }
  // Runs the loop a while: what is due runs.
  void Settle() { io.run_for(std::chrono::milliseconds(200)); }

  testing::TempDir dir;
  std::unique_ptr<store::Database> db_;
  boost::asio::io_context io;
  testing::FakeRegistry registry;
  testing::FakeRunner runner;
  FakeClock clock{std::chrono::system_clock::time_point(seconds(1700000000))};
  std::unique_ptr<EventQueue> queue;
  std::vector<std::unique_ptr<EventQueue>> stopped;
};

TEST_F(EventQueueTest, AnEventRunsOnceWithItsPayload) {
  ASSERT_TRUE(Enqueue("fn", R"({"k":1})").ok());
  RunUntil(1);
  ASSERT_EQ(runner.runs.size(), 1u);
  EXPECT_EQ(runner.runs[0]->payload, R"({"k":1})");
  EXPECT_EQ(runner.runs[0]->fn->function_name, "fn");
  EXPECT_FALSE(runner.runs[0]->request_id.empty());
  Advance(seconds(3600));
  Settle();
  EXPECT_EQ(runner.runs.size(), 1u);
}

TEST_F(EventQueueTest, AFunctionErrorIsRetriedTwiceWithGrowingDelays) {
  runner.script = [](Invocation& inv) {
    inv.function_error = true;
    inv.result = R"({"errorMessage":"boom"})";
  };
  ASSERT_TRUE(Enqueue("fn", "{}").ok());
  RunUntil(1);
  ASSERT_EQ(runner.runs.size(), 1u);
  Advance(seconds(59));
  Settle();
  EXPECT_EQ(runner.runs.size(), 1u);  // not due yet
  Advance(seconds(1));
  RunUntil(2);
  ASSERT_EQ(runner.runs.size(), 2u);
  EXPECT_EQ(runner.runs[1]->request_id, runner.runs[0]->request_id);  // the same event
  Advance(seconds(119));
  Settle();
  EXPECT_EQ(runner.runs.size(), 2u);
  Advance(seconds(1));
  RunUntil(3);
  EXPECT_EQ(runner.runs.size(), 3u);
  Advance(seconds(3600));
  Settle();
  EXPECT_EQ(runner.runs.size(), 3u);  // retries exhausted
}

TEST_F(EventQueueTest, ARefusedRunComesBackASecondLater) {
  runner.refuse = AwsError("TooManyRequestsException", "Rate Exceeded.", 429);
  ASSERT_TRUE(Enqueue("fn", "{}").ok());
  RunUntil(1);
  ASSERT_EQ(runner.runs.size(), 1u);
  runner.refuse.reset();
  Advance(seconds(1));
  RunUntil(2);
  EXPECT_EQ(runner.runs.size(), 2u);
  Advance(seconds(3600));
  Settle();
  EXPECT_EQ(runner.runs.size(), 2u);
}

TEST_F(EventQueueTest, TooOldOrGoneIsDroppedWithoutARun) {
  registry.snapshot.event_invoke_config.maximum_event_age_seconds = 60;
  ASSERT_TRUE(Enqueue("old", "{}").ok());
  ASSERT_TRUE(Enqueue("gone", "{}").ok());
  registry.missing.insert("gone");
  Advance(seconds(61));
  Settle();
  EXPECT_TRUE(runner.runs.empty());
  registry.snapshot.event_invoke_config.maximum_event_age_seconds = 21600;
  registry.missing.clear();
  Advance(seconds(3600));
  Settle();
  EXPECT_TRUE(runner.runs.empty());  // both were completed, not left queued
}

TEST_F(EventQueueTest, QueuedEventsSurviveARestart) {
  ASSERT_TRUE(Enqueue("fn", R"("kept")").ok());
  Restart();  // before the first worker poll: the event is still queued in the database
  RunUntil(1);
  ASSERT_EQ(runner.runs.size(), 1u);
  EXPECT_EQ(runner.runs[0]->payload, R"("kept")");
}

}  // namespace
}  // namespace nimbus::lambda
