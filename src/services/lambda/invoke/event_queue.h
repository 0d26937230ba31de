// Asynchronous (Event) invocations: queued durably in SQLite before Invoke answers 202, run in
// the background, retried on function error (MaximumRetryAttempts, default 2, after ~1 and ~2
// minutes), retried with backoff on throttling, dropped past MaximumEventAgeInSeconds.
// Survive restart and kill -9. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "services/lambda/function_registry.h"
#include "store/database.h"

namespace nimbus::lambda {

class DataPlaneImpl;

class EventQueue {
 public:
  EventQueue(DataPlaneImpl& plane, store::Database& db, const Clock& clock,
             int retry_base_seconds);
  // Creates the queue table (module "lambda_events").
  Status Migrate();
  // Durably queues one event for the resolved function version.
  Status Enqueue(const ResolvedInvoke& target, const std::string& payload);
  // Starts the worker on `loop`.
  void Start(boost::asio::io_context& loop);
  void Stop() { stopping_ = true; }

 private:
  struct Event;
  boost::asio::awaitable<void> Worker();
  boost::asio::awaitable<void> Deliver(Event event);
  void Reschedule(int64_t id, int attempts, int64_t next_ms);
  void Remove(int64_t id);

  DataPlaneImpl& plane_;
  store::Database& db_;
  const Clock& clock_;
  int retry_base_seconds_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> pending_{0};  // queued events (a hint to skip idle polls)
  std::mutex mu_;
  std::set<int64_t> running_;
};

}  // namespace nimbus::lambda
