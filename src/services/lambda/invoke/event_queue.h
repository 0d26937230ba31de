// Asynchronous (Event) invocations: queued durably on the shared work queue
// (store/work_queue.h, queue "lambda") before Invoke answers 202, run in the background, retried
// on function error (MaximumRetryAttempts, default 2, after ~1 and ~2 minutes), retried with
// backoff on throttling, dropped past MaximumEventAgeInSeconds. Survive restart and kill -9
// (at least once: an event whose run was cut short by a crash runs again). The worker sleeps
// until the next due event and an Enqueue or Retry wakes it at once (WorkQueue::OnChange): no
// polling. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "core/waiter.h"
#include "core/status.h"
#include "services/lambda/data_plane.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/invoke/invocation_runner.h"
#include "services/lambda/invoke/queued_event.h"
#include "store/database.h"
#include "store/work_queue.h"

namespace nimbus::lambda {

// Thread-safe; the references outlive it.
class EventQueue {
 public:
  // Events run on `runner`, resolved through `registry`; their records and dead letters go to
  // `destinations`; the first retry of a function error comes `retry_base_seconds` later.
  EventQueue(InvocationRunner& runner, FunctionRegistry& registry, DestinationLinks destinations,
             store::Database& db, const Clock& clock, int retry_base_seconds);
  // Opens the work queue and moves events an earlier nimbus queued in its own table onto it.
  // Must succeed before Enqueue or Start.
  Status Migrate();
  // Durably queues one event for the resolved function version.
  Status Enqueue(const ResolvedInvoke& target, const std::string& payload);
  // Starts the worker on `loop`.
  void Start(boost::asio::io_context& loop);
  // Ends the worker (events running finish; queued ones wait for the next start).
  void Stop();
  // Has the worker look for due events now: what a clock moved by hand needs (tests); new and
  // retried work wakes it by itself, and it sleeps until the next due time otherwise.
  void Wake() {
    if (wake_) wake_->Notify();
  }

 private:
  boost::asio::awaitable<void> Worker();
  boost::asio::awaitable<void> Deliver(store::WorkItem item, QueuedEvent event);
  void Retry(int64_t id, int attempts, int64_t due_ms);
  void Complete(int64_t id);

  InvocationRunner& runner_;
  FunctionRegistry& registry_;
  DestinationLinks destinations_;
  store::Database& db_;
  const Clock& clock_;
  int retry_base_seconds_;
  std::unique_ptr<store::WorkQueue> queue_;  // set by Migrate
  std::shared_ptr<Signal> wake_;             // set by Start: new or retried work, or Stop
  std::atomic<bool> stopping_{false};
};

}  // namespace nimbus::lambda
