// Long polls parked on a queue: a send wakes one poll per message, oldest first, skipping
// polls whose wait already ended; deleting the queue wakes them all.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "services/sqs/engine.h"

namespace nimbus::sqs {
namespace {

class EngineWakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::OpenFile(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    auto engine = Engine::Open(*db_, clock_);
    ASSERT_TRUE(engine.ok());
    engine_ = *engine;
    ASSERT_TRUE(engine_->CreateQueue(scope_, "q", {}, {}).ok());
  }
  // A poll that found the queue empty and parked `waiter` on it.
  std::shared_ptr<Waiter> Park() {
    auto waiter = std::make_shared<Waiter>(io_.get_executor());
    auto got = engine_->Receive(scope_, "q", ReceiveRequest{}, waiter);
    EXPECT_TRUE(got.ok() && got->messages.empty());
    return waiter;
  }
  void Send(int n) {
    std::vector<SendRequest> requests(n);
    for (auto& r : requests) r.body = "m";
    ASSERT_TRUE(engine_->Send(scope_, "q", requests, "sender", nullptr).ok());
  }

  boost::asio::io_context io_;
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<store::Database> db_;
  std::shared_ptr<Engine> engine_;
  Scope scope_{"000000000000", "us-east-1"};
};

TEST_F(EngineWakeTest, ASendWakesOnePollPerMessageOldestFirst) {
  std::vector<std::shared_ptr<Waiter>> polls;
  for (int i = 0; i < 4; ++i) polls.push_back(Park());
  Send(1);
  EXPECT_TRUE(polls[0]->notified());
  for (int i = 1; i < 4; ++i) EXPECT_FALSE(polls[i]->notified()) << i;
  Send(2);  // a batch of two wakes two more
  EXPECT_TRUE(polls[1]->notified());
  EXPECT_TRUE(polls[2]->notified());
  EXPECT_FALSE(polls[3]->notified());
}

TEST_F(EngineWakeTest, APollWhoseWaitEndedIsSkipped) {
  auto ended = Park();
  auto waiting = Park();
  // `ended` reached its deadline: WaitOnce refuses a later wake-up.
  boost::asio::co_spawn(
      io_, [ended]() -> boost::asio::awaitable<void> {
        co_await ended->WaitOnce(std::chrono::steady_clock::now());
      },
      boost::asio::detached);
  io_.run();
  Send(1);
  EXPECT_FALSE(ended->notified());
  EXPECT_TRUE(waiting->notified());
}

TEST_F(EngineWakeTest, DeletingTheQueueWakesEveryPoll) {
  auto a = Park();
  auto b = Park();
  ASSERT_FALSE(engine_->DeleteQueue(scope_, "q").has_value());
  EXPECT_TRUE(a->notified());
  EXPECT_TRUE(b->notified());
}

}  // namespace
}  // namespace nimbus::sqs
