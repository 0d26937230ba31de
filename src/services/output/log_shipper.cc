#include "services/output/log_shipper.h"

#include <chrono>

namespace nimbus::output {

LogShipper::LogShipper(logs::LogSink* sink) : sink_(sink), thread_([this] { Loop(); }) {}

LogShipper::~LogShipper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

size_t LogShipper::Ship(const Scope& scope, const std::string& group, const std::string& stream,
                        std::vector<logs::LogLine> lines, size_t max_queued_bytes) {
  if (lines.empty()) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  const bool was_empty = queue_.empty();
  // No key copies if queued.
  auto it = queue_.find(std::tie(scope.account, scope.region, group, stream));
  if (it == queue_.end()) {
    it = queue_.try_emplace(Key{scope.account, scope.region, group, stream}).first;
  }
  auto& q = it->second;
  for (auto& l : lines) {
    q.bytes += l.message.size();
    q.lines.push_back(std::move(l));
  }
  size_t dropped = 0;
  while (q.bytes > max_queued_bytes && dropped + 1 < q.lines.size()) {
    q.bytes -= q.lines[dropped].message.size();
    ++dropped;
  }
  q.lines.erase(q.lines.begin(), q.lines.begin() + static_cast<ptrdiff_t>(dropped));
  ++queued_;
  // Only the first line of a batch wakes the writer; the rest join the batching window
  // without a wake-up each (one per invocation otherwise).
  if (was_empty) cv_.notify_one();
  return dropped;
}

size_t LogShipper::QueuedBytes(const Scope& scope, const std::string& group,
                               const std::string& stream) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = queue_.find(std::tie(scope.account, scope.region, group, stream));
  return it == queue_.end() ? 0 : it->second.bytes;
}

void LogShipper::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t target = queued_;
  ++flush_requests_;
  cv_.notify_one();
  flushed_.wait(lock, [&] { return written_ >= target; });
}

void LogShipper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
    if (queue_.empty() && done_) return;
    // Let a burst accumulate into one write per stream.
    cv_.wait_for(lock, std::chrono::milliseconds(20),
                 [this] { return done_ || flush_requests_ != flushes_seen_; });
    flushes_seen_ = flush_requests_;
    auto batch = std::move(queue_);
    queue_.clear();
    uint64_t covered = queued_;
    lock.unlock();
    if (sink_ != nullptr) {
      std::vector<logs::LogBatch> batches;
      batches.reserve(batch.size());
      for (auto& [key, queued] : batch) {
        auto& [account, region, group, stream] = key;
        batches.push_back(
            logs::LogBatch{Scope{account, region}, group, stream, std::move(queued.lines)});
      }
      sink_->Append(std::move(batches));
    }
    lock.lock();
    written_ = covered;
    flushed_.notify_all();
  }
}

}  // namespace nimbus::output
