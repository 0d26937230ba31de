#include "services/lambda/invoke/event_queue.h"

#include <cstdio>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ids.h"
#include "services/lambda/invoke/destinations.h"
#include "services/lambda/invoke/invoke_request.h"

namespace nimbus::lambda {

namespace asio = boost::asio;

namespace {
constexpr int kThrottleRetryMs = 1000;
constexpr int kClaimBatch = 64;
constexpr int kErrorRetryMs = 1000;  // after a failed read of the queue
}  // namespace

EventQueue::EventQueue(InvocationRunner& runner, FunctionRegistry& registry,
                       DestinationLinks destinations, store::Database& db, const Clock& clock,
                       int retry_base_seconds)
    : runner_(runner),
      registry_(registry),
      destinations_(std::move(destinations)),
      db_(db),
      clock_(clock),
      retry_base_seconds_(retry_base_seconds) {}

Status EventQueue::Migrate() {
  auto queue = store::WorkQueue::Open(db_);
  if (!queue.ok()) return queue.error();
  queue_ = std::move(*queue);
  return MoveLegacyQueuedEvents(db_, *queue_);
}

Status EventQueue::Enqueue(const ResolvedInvoke& target, const std::string& payload) {
  int64_t now = clock_.NowMillis();
  QueuedEvent event;
  event.account_id = target.function->account_id;
  event.region = target.function->region;
  event.function_name = target.function->function_name;
  event.qualifier = target.executed_version;
  event.invoked_arn = target.invoked_arn;
  event.request_id = NewUuid();
  event.payload = payload;
  event.enqueued_ms = now;
  auto queued = queue_->Enqueue(kEventQueueName, EncodeQueuedEvent(event), now);
  return queued.ok() ? Status::Ok() : queued.error();
}

void EventQueue::Start(asio::io_context& loop) {
  wake_ = std::make_shared<Signal>(loop.get_executor());
  queue_->OnChange(kEventQueueName, [wake = wake_] { wake->Notify(); });
  asio::co_spawn(loop, Worker(), asio::detached);
}

void EventQueue::Stop() {
  stopping_ = true;
  if (!wake_) return;
  queue_->OnChange(kEventQueueName, nullptr);
  wake_->Notify();
}

void EventQueue::Retry(int64_t id, int attempts, int64_t due_ms) {
  Status st = queue_->Retry(id, attempts, due_ms);
  if (!st.ok()) {  // stays leased until the next start, which runs it again
    std::fprintf(stderr, "nimbus: lambda event %lld not rescheduled: %s\n",
                 static_cast<long long>(id), st.ToString().c_str());
  }
}

void EventQueue::Complete(int64_t id) {
  const int64_t ids[] = {id};
  Status st = queue_->Complete(ids);
  (void)st;  // stays leased until the next start, which runs it again
}

asio::awaitable<void> EventQueue::Worker() {
  auto executor = co_await asio::this_coro::executor;
  while (!stopping_) {
    // A read first: a wake-up with nothing due (events only due later, or all running) takes no
    // write lock.
    int64_t now = clock_.NowMillis();
    auto next = queue_->NextDue(kEventQueueName);
    if (next.ok() && next->has_value() && **next <= now) {
      // Claimed items are leased: NextDue and Claim skip them while they run.
      auto due = queue_->Claim(kEventQueueName, now, kClaimBatch);
      if (due.ok()) {
        for (store::WorkItem& item : *due) {
          auto event = DecodeQueuedEvent(item.payload);
          if (!event) {
            std::fprintf(stderr, "nimbus: lambda event %lld is unreadable: dropped\n",
                         static_cast<long long>(item.id));
            Complete(item.id);
            continue;
          }
          asio::co_spawn(executor, Deliver(std::move(item), std::move(*event)), asio::detached);
        }
        continue;
      }
    }
    // Asleep until the next due event or new work (a failed read tries again after a while).
    auto wake_at = std::chrono::steady_clock::time_point::max();
    if (!next.ok() || (next->has_value() && **next <= now)) {
      wake_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(kErrorRetryMs);
    } else if (next->has_value()) {
      wake_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(**next - now);
    }
    co_await wake_->Wait(wake_at);
  }
}

asio::awaitable<void> EventQueue::Deliver(store::WorkItem item, QueuedEvent e) {
  auto resolved = registry_.ResolveInvoke(e.account_id, e.region, e.function_name, e.qualifier);
  if (!resolved.ok()) {  // the function or version is gone: nothing left to run it
    Complete(item.id);
    co_return;
  }
  const EventInvokeConfig& config = resolved->function->event_invoke_config;
  int64_t now = clock_.NowMillis();
  auto record = [&](std::string condition, int invoke_count) {
    InvocationRecordInput r;
    r.request_id = e.request_id;
    r.function_arn = resolved->function->function_arn + ":" + resolved->executed_version;
    r.condition = std::move(condition);
    r.approximate_invoke_count = invoke_count;
    r.request_payload = e.payload;
    r.executed_version = resolved->executed_version;
    r.timestamp_ms = clock_.NowMillis();
    return r;
  };
  // Both are awaited right away (they copy what they use).
  auto deliver = [&](const std::string& destination, const InvocationRecordInput& r) {
    return DeliverToDestination(registry_, *this, destinations_, e.account_id, e.region,
                                destination, InvocationRecord(r));
  };
  // The function's DeadLetterConfig target gets the event of one that failed for good.
  auto dead_letter = [&](const std::string& error_message) {
    return DeliverToDeadLetter(destinations_, resolved->function->dead_letter_target_arn, e.payload,
                               {e.request_id, "200", error_message});
  };
  if (now - e.enqueued_ms > int64_t{config.maximum_event_age_seconds} * 1000) {
    // Too old: dropped (to the on-failure destination, if any, queued before the event goes).
    co_await deliver(config.on_failure_destination, record("EventAgeExceeded", item.attempts));
    co_await dead_letter("Event age exceeded: the event was older than MaximumEventAgeInSeconds");
    Complete(item.id);
    co_return;
  }
  ResolvedInvoke target = *resolved;
  target.invoked_arn = e.invoked_arn;
  auto inv = MakeInvocation(target, e.request_id, e.payload, NewTraceId(clock_),
                            co_await asio::this_coro::executor);
  auto ran = co_await runner_.Run(inv);
  if (!ran.ok()) {  // throttled or no environment: back on the queue with backoff
    Retry(item.id, item.attempts, clock_.NowMillis() + kThrottleRetryMs);
  } else if (inv->function_error && item.attempts < config.maximum_retry_attempts) {
    int64_t delay_ms = int64_t{retry_base_seconds_} * 1000 * (item.attempts + 1);
    Retry(item.id, item.attempts + 1, clock_.NowMillis() + delay_ms);
  } else {
    InvocationRecordInput r =
        record(inv->function_error ? "RetriesExhausted" : "Success", item.attempts + 1);
    r.has_response = true;
    r.function_error = inv->function_error;
    r.response_payload = inv->result;
    co_await deliver(
        inv->function_error ? config.on_failure_destination : config.on_success_destination, r);
    if (inv->function_error) co_await dead_letter(ErrorMessageOf(inv->result));
    Complete(item.id);
  }
}

}  // namespace nimbus::lambda
