#include "services/lambda/mappings/sqs_poller.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/waiter.h"
#include "services/lambda/mappings/event_filter.h"
#include "services/lambda/mappings/sqs_event.h"

namespace nimbus::lambda {

namespace asio = boost::asio;
using std::chrono::steady_clock;

namespace {
constexpr int kDefaultPollers = 5;                     // Lambda starts with five batches at once
constexpr auto kLongPoll = std::chrono::seconds(20);   // the longest ReceiveMessage wait
constexpr auto kRetryAfter = std::chrono::seconds(5);  // function or queue missing, throttled
constexpr size_t kMaxBatchBytes = 6 * 1024 * 1024;     // a synchronous invocation's payload
}  // namespace

struct SqsPollers::Group {
  EventSourceMapping mapping;
  EventFilter filter;  // the mapping's FilterCriteria
  std::atomic<bool> stopped{false};
  std::mutex mu;
  std::vector<std::shared_ptr<Waiter>> parked;  // per slot: what its poller waits on
  // Per slot: messages received that did not fit its last batch (6 MB), the next one's start.
  std::vector<Batch> carried;

  // Parks `waiter` as slot's (notified at once when the group is stopped).
  void Park(size_t slot, const std::shared_ptr<Waiter>& waiter) {
    std::lock_guard lock(mu);
    parked[slot] = waiter;
    if (stopped) waiter->Notify();
  }
  void Stop() {
    std::lock_guard lock(mu);
    stopped = true;
    for (auto& w : parked) {
      if (w) w->Notify();
    }
  }
  // Waits until `deadline` or Stop.
  asio::awaitable<void> Sleep(size_t slot, steady_clock::time_point deadline) {
    auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    Park(slot, waiter);
    co_await waiter->Wait(deadline);
  }
};

void SqsPollers::Apply(const std::string& uuid, const std::optional<EventSourceMapping>& now) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  if (auto it = groups_.find(uuid); it != groups_.end()) {
    it->second->Stop();
    groups_.erase(it);
  }
  if (!now || !now->enabled) return;
  auto group = std::make_shared<Group>();
  group->mapping = *now;
  if (auto filter = EventFilter::Parse(now->filter_criteria); filter.ok()) {
    group->filter = std::move(*filter);  // checked when the mapping was written
  }
  size_t pollers = now->max_concurrency ? static_cast<size_t>(*now->max_concurrency)
                                        : static_cast<size_t>(kDefaultPollers);
  group->parked.resize(pollers);
  group->carried.resize(pollers);
  groups_[uuid] = group;
  for (size_t slot = 0; slot < pollers; ++slot) {
    asio::io_context& loop = *deps_.loops[next_loop_++ % deps_.loops.size()];
    asio::co_spawn(loop, Poll(group, slot), asio::detached);
  }
}

void SqsPollers::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto& [uuid, group] : groups_) group->Stop();
  groups_.clear();
}

asio::awaitable<void> SqsPollers::Poll(std::shared_ptr<Group> group, size_t slot) {
  const EventSourceMapping& m = group->mapping;
  while (!group->stopped) {
    // Take no message the function cannot get: a deleted function's mapping waits for it.
    auto target = deps_.registry->ResolveInvoke(m.account, m.region, m.function_name, m.qualifier);
    if (!target.ok()) {
      co_await group->Sleep(slot, steady_clock::now() + kRetryAfter);
      continue;
    }
    Batch batch = co_await Gather(group, slot);
    if (group->stopped || batch.messages.empty()) continue;
    co_await Deliver(group, slot, *target, std::move(batch));
  }
}

bool SqsPollers::Add(Group& group, Batch& batch, sqs::PolledMessage&& message) {
  const EventSourceMapping& m = group.mapping;
  std::string record = SqsRecord(message, m.event_source_arn, m.region);
  if (!group.filter.empty() && !group.filter.Matches(FilterView(record))) {
    // Lambda deletes the messages no filter matches.
    Status st = deps_.queues->Delete(m.event_source_arn, message.receipt_handle);
    if (!st.ok() && st.code() != StatusCode::kNotFound) {
      std::fprintf(stderr,
                   "nimbus: event source mapping %s could not delete filtered message %s: %s\n",
                   m.uuid.c_str(), message.message_id.c_str(), st.ToString().c_str());
    }
    return true;
  }
  if (!batch.messages.empty() && kEventFraming + batch.bytes + record.size() + 1 > kMaxBatchBytes) {
    return false;
  }
  batch.bytes += record.size() + 1;
  batch.records.push_back(std::move(record));
  batch.messages.push_back(std::move(message));
  return true;
}

asio::awaitable<SqsPollers::Batch> SqsPollers::Gather(std::shared_ptr<Group> group, size_t slot) {
  const EventSourceMapping& m = group->mapping;
  auto executor = co_await asio::this_coro::executor;
  Batch batch = std::exchange(group->carried[slot], Batch{});
  std::optional<steady_clock::time_point> window_end;
  if (!batch.messages.empty()) {  // what the last batch left opens this one's window
    window_end = steady_clock::now() + std::chrono::seconds(m.max_batching_window_seconds);
  }
  while (!group->stopped && static_cast<int>(batch.messages.size()) < m.batch_size) {
    int want = std::min(10, m.batch_size - static_cast<int>(batch.messages.size()));
    auto waiter = std::make_shared<Waiter>(executor);
    auto got = deps_.queues->Receive(m.event_source_arn, want, std::nullopt, waiter);
    if (!got.ok()) {  // the queue is gone (or SQS stopping): try again later
      if (batch.messages.empty()) co_await group->Sleep(slot, steady_clock::now() + kRetryAfter);
      break;
    }
    bool full = false;
    for (auto& message : got->messages) {
      if (full || !Add(*group, batch, std::move(message))) {
        full = true;  // over 6 MB: the rest starts the next batch
        Add(*group, group->carried[slot], std::move(message));
      }
    }
    if (full) break;
    auto now = steady_clock::now();
    if (!got->messages.empty()) {
      if (m.max_batching_window_seconds == 0 && !batch.messages.empty()) break;
      if (!window_end) window_end = now + std::chrono::seconds(m.max_batching_window_seconds);
      continue;
    }
    if (window_end && now >= *window_end) break;
    auto wake = window_end ? *window_end : now + kLongPoll;
    if (got->next_visible_in_ms > 0) {
      wake = std::min(wake, now + std::chrono::milliseconds(got->next_visible_in_ms));
    }
    group->Park(slot, waiter);
    co_await waiter->WaitOnce(wake);
  }
  co_return batch;
}

asio::awaitable<void> SqsPollers::Deliver(std::shared_ptr<Group> group, size_t slot,
                                          const ResolvedInvoke& target, Batch input) {
  const EventSourceMapping& m = group->mapping;
  std::vector<sqs::PolledMessage> batch = std::move(input.messages);
  auto outcome = co_await deps_.plane->InvokeSync(target, SqsEvent(input.records));
  if (!outcome.ok()) {  // throttled or no environment: the batch comes back after its timeout
    co_await group->Sleep(slot, steady_clock::now() + std::chrono::seconds(1));
    co_return;
  }
  std::set<std::string> failed;
  if (outcome->function_error) {
    for (const auto& message : batch) failed.insert(message.message_id);
  } else if (m.report_batch_item_failures) {
    failed = FailedItems(outcome->result, batch);
  }
  for (const auto& message : batch) {
    if (failed.count(message.message_id)) continue;
    Status st = deps_.queues->Delete(m.event_source_arn, message.receipt_handle);
    if (!st.ok() && st.code() != StatusCode::kNotFound) {
      std::fprintf(stderr, "nimbus: event source mapping %s could not delete message %s: %s\n",
                   m.uuid.c_str(), message.message_id.c_str(), st.ToString().c_str());
    }
  }
}

}  // namespace nimbus::lambda
