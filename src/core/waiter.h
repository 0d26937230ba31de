// Wake-ups between threads and coroutines: Waiter, a one-shot notification one coroutine awaits
// (with a deadline) and any thread fires (Lambda: an invocation's outcome, a parked GET /next;
// SQS long polls), and Signal, a re-armable one (a streamed response's producer and consumer; a
// work queue's consumer sleeping until its next due item).
// Both live in a shared_ptr so a late Notify() is harmless.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nimbus {

// Create with the executor of the coroutine that will Wait(); hold it in a shared_ptr so a late
// Notify() is harmless.
class Waiter : public std::enable_shared_from_this<Waiter> {
 public:
  explicit Waiter(boost::asio::any_io_executor executor) : timer_(executor) {}

  // Waits until Notify() or `deadline`. True when notified. Call from the executor's thread.
  // May be called again after a deadline passed.
  boost::asio::awaitable<bool> Wait(std::chrono::steady_clock::time_point deadline) {
    if (notified()) co_return true;
    timer_.expires_at(deadline);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    co_return notified();
  }
  // Wait() for a waiter one of several may be woken through (a queue's long polls): once it
  // returns false (the deadline passed first) a later Notify() is refused and returns false, so
  // the notifier wakes another. Call once.
  boost::asio::awaitable<bool> WaitOnce(std::chrono::steady_clock::time_point deadline) {
    if (notified()) co_return true;
    timer_.expires_at(deadline);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    int pending = kPending;
    co_return !state_.compare_exchange_strong(pending, kExpired);
  }
  // Waits until Notify() (no deadline); the same coroutine frame as Wait(deadline), not a second.
  boost::asio::awaitable<bool> Wait() { return Wait(std::chrono::steady_clock::time_point::max()); }

  // Thread-safe; idempotent. On the executor's own thread the timer is cancelled at once (which
  // queues the waiter's resumption, never runs it inline); elsewhere the cancel is posted there.
  // True when this call delivered the wake-up; false when the waiter was notified before or
  // its WaitOnce() already ended at the deadline.
  bool Notify() {
    int pending = kPending;
    if (!state_.compare_exchange_strong(pending, kNotified)) return false;
    boost::asio::dispatch(timer_.get_executor(),
                          [self = shared_from_this()] { self->timer_.cancel(); });
    return true;
  }
  bool notified() const { return state_.load() == kNotified; }
  // True until Notify() succeeded or WaitOnce() ended at its deadline.
  bool pending() const { return state_.load() == kPending; }

 private:
  static constexpr int kPending = 0, kNotified = 1, kExpired = 2;
  boost::asio::steady_timer timer_;
  std::atomic<int> state_{kPending};
};

// A re-armable wake-up for one coroutine on `executor`: Notify() from any thread ends the
// current (or next) Wait(). Spurious wake-ups are possible; waiters re-check their condition.
class Signal : public std::enable_shared_from_this<Signal> {
 public:
  explicit Signal(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}

  // Returns once Notify() was called after the previous Wait() returned, or at `deadline`; true
  // when notified. Executor thread only.
  boost::asio::awaitable<bool> Wait(std::chrono::steady_clock::time_point deadline) {
    if (pending_.exchange(false)) co_return true;
    timer_.expires_at(deadline);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    co_return pending_.exchange(false);
  }
  // Waits until Notify() (no deadline); the same coroutine frame as Wait(deadline), not a second.
  boost::asio::awaitable<bool> Wait() { return Wait(std::chrono::steady_clock::time_point::max()); }
  // Thread-safe.
  void Notify() {
    if (pending_.exchange(true)) return;
    boost::asio::post(timer_.get_executor(),
                      [self = shared_from_this()] { self->timer_.cancel(); });
  }

 private:
  boost::asio::steady_timer timer_;
  std::atomic<bool> pending_{false};
};

}  // namespace nimbus
