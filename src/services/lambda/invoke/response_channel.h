// The path of a streamed function response from the Runtime API (the producer: the runtime's
// connection, on its environment's loop) to an InvokeWithResponseStream caller (the consumer:
// the caller's connection, on its loop): response bytes in order, then the outcome. Bounded:
// a producer waits while more than kHighWater bytes are queued. Internal to the data plane.
//
// Threading: Push/Complete/Cancel from any thread; Wait* only from the executor given for that
// side.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/aws_error.h"
#include "core/waiter.h"

namespace nimbus::lambda {

// How a streamed invocation ended.
struct StreamOutcome {
  std::optional<AwsError> error;  // the invocation could not start (throttled, ...)
  std::string error_code;         // function error: InvokeComplete.ErrorCode ("" = none)
  std::string error_details;      // InvokeComplete.ErrorDetails
  std::string log_result;         // InvokeComplete.LogResult (base64), "" unless Tail
};

class ResponseChannel {
 public:
  static constexpr size_t kHighWater = 4 * 1024 * 1024;  // producer waits above this

  // `consumer` is the executor of the caller's connection.
  explicit ResponseChannel(boost::asio::any_io_executor consumer)
      : consumer_(std::make_shared<Signal>(std::move(consumer))) {}

  // Producer: queues `bytes` (empty is ignored). False when nobody will read them any more
  // (the caller went away or the outcome is in): they were dropped.
  bool Push(std::string_view bytes) {
    if (bytes.empty()) return true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_ || outcome_) return false;
      queued_bytes_ += bytes.size();
      queue_.emplace_back(bytes);
      pushed_ = true;
    }
    consumer_->Notify();
    return true;
  }
  // Producer: waits (on `producer`, its own executor) until the queue is under kHighWater
  // or nobody reads it any more.
  boost::asio::awaitable<void> WaitWritable(boost::asio::any_io_executor producer) {
    for (;;) {
      std::shared_ptr<Signal> signal;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (queued_bytes_ <= kHighWater || cancelled_ || outcome_) co_return;
        if (!producer_) producer_ = std::make_shared<Signal>(producer);
        signal = producer_;
      }
      co_await signal->Wait();
    }
  }
  // Sets the outcome (once; later calls are ignored) after the last Push.
  void Complete(StreamOutcome outcome) {
    std::shared_ptr<Signal> producer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (outcome_) return;
      outcome_ = std::move(outcome);
      producer = producer_;
    }
    consumer_->Notify();
    if (producer) producer->Notify();
  }
  // Consumer: the caller is gone; queued and later bytes are dropped.
  void Cancel() {
    std::shared_ptr<Signal> producer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      producer = producer_;
    }
    if (producer) producer->Notify();
  }
  // Consumer: waits until bytes were pushed or the outcome is in.
  boost::asio::awaitable<void> WaitStarted() {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (pushed_ || outcome_) co_return;
      }
      co_await consumer_->Wait();
    }
  }
  // Consumer: the outcome when it is in and nothing was pushed (the invocation failed to
  // start or ended without a byte), else nullopt.
  std::optional<StreamOutcome> OutcomeBeforeBytes() {
    std::lock_guard<std::mutex> lock(mu_);
    if (pushed_ || !outcome_) return std::nullopt;
    return outcome_;
  }
  // Consumer: waits for the next queued pieces (moved into `pieces`, in order) or, once the
  // queue is empty, the outcome. Returns the outcome after the last bytes, nullopt with bytes.
  boost::asio::awaitable<std::optional<StreamOutcome>> Next(std::deque<std::string>& pieces) {
    for (;;) {
      std::shared_ptr<Signal> producer;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!queue_.empty()) {
          pieces.swap(queue_);
          queue_.clear();
          bool was_full = queued_bytes_ > kHighWater;
          queued_bytes_ = 0;
          if (was_full) producer = producer_;
        } else if (outcome_) {
          co_return outcome_;
        }
      }
      if (!pieces.empty()) {
        if (producer) producer->Notify();
        co_return std::nullopt;
      }
      co_await consumer_->Wait();
    }
  }

 private:
  std::shared_ptr<Signal> consumer_;
  std::mutex mu_;
  std::shared_ptr<Signal> producer_;  // created by the first WaitWritable that must wait
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool pushed_ = false;
  bool cancelled_ = false;
  std::optional<StreamOutcome> outcome_;
};

}  // namespace nimbus::lambda
