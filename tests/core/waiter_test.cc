// Waiter and Signal: wake-ups from any thread to a coroutine on an event loop.
#include "core/waiter.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

namespace nimbus {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(WaiterTest, DeadlinePassesWithoutNotify) {
  asio::io_context io;
  auto waiter = std::make_shared<Waiter>(io.get_executor());
  std::optional<bool> woke;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        woke = co_await waiter->Wait(std::chrono::steady_clock::now() + 20ms);
      },
      asio::detached);
  io.run();
  EXPECT_EQ(woke, false);
  EXPECT_FALSE(waiter->notified());
}

TEST(WaiterTest, NotifyFromAnotherThreadWakesTheWaitAndLaterWaitsReturnAtOnce) {
  asio::io_context io;
  auto waiter = std::make_shared<Waiter>(io.get_executor());
  std::optional<bool> first, second;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        first = co_await waiter->Wait();  // no deadline: only Notify ends it
        second = co_await waiter->Wait(std::chrono::steady_clock::now());
      },
      asio::detached);
  std::thread notifier([&] {
    std::this_thread::sleep_for(10ms);
    waiter->Notify();
    waiter->Notify();  // idempotent
  });
  io.run();
  notifier.join();
  EXPECT_EQ(first, true);
  EXPECT_EQ(second, true);
}

TEST(WaiterTest, WaitOnceRefusesANotifyAfterItsDeadlineSoANotifierCanWakeAnother) {
  asio::io_context io;
  auto expired = std::make_shared<Waiter>(io.get_executor());
  auto woken = std::make_shared<Waiter>(io.get_executor());
  std::optional<bool> expired_result, woken_result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        expired_result = co_await expired->WaitOnce(std::chrono::steady_clock::now());
      },
      asio::detached);
  io.run();
  EXPECT_EQ(expired_result, false);
  EXPECT_FALSE(expired->pending());
  EXPECT_FALSE(expired->Notify());  // the wait is over: this wake-up would be lost
  EXPECT_TRUE(woken->pending());
  EXPECT_TRUE(woken->Notify());
  EXPECT_FALSE(woken->Notify());  // once
  io.restart();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        woken_result = co_await woken->WaitOnce(std::chrono::steady_clock::now() + 10s);
      },
      asio::detached);
  io.run();
  EXPECT_EQ(woken_result, true);
}

TEST(SignalTest, RearmsAfterEachWaitAndKeepsANotifyThatCameFirst) {
  asio::io_context io;
  auto signal = std::make_shared<Signal>(io.get_executor());
  int woken = 0;
  signal->Notify();  // before anyone waits: the first Wait returns at once
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await signal->Wait();
        ++woken;
        co_await signal->Wait();  // needs a new Notify
        ++woken;
      },
      asio::detached);
  io.run_for(20ms);
  EXPECT_EQ(woken, 1);
  io.restart();
  std::thread notifier([&] { signal->Notify(); });
  notifier.join();
  io.run();
  EXPECT_EQ(woken, 2);
}

TEST(SignalTest, WaitWithADeadlineEndsAtItOrAtANotify) {
  asio::io_context io;
  auto signal = std::make_shared<Signal>(io.get_executor());
  std::optional<bool> timed_out, notified;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        timed_out = co_await signal->Wait(std::chrono::steady_clock::now());
        notified = co_await signal->Wait(std::chrono::steady_clock::now() + 1h);
      },
      asio::detached);
  while (!timed_out.has_value()) io.run_one();  // a deadline already passed: no Notify needed
  io.poll();
  EXPECT_EQ(timed_out, false);
  EXPECT_FALSE(notified.has_value());
  io.restart();
  std::thread notifier([&] { signal->Notify(); });
  notifier.join();
  io.run();
  EXPECT_EQ(notified, true);
}

}  // namespace
}  // namespace nimbus
