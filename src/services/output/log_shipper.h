// Ships log lines (Lambda functions', ECS containers') to CloudWatch Logs' LogSink in the
// background, batched per stream, so the producer never waits on a log write. Thread-safe.
// Lines queued before destruction are flushed by it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "services/logs/api/log_sink.h"

namespace nimbus::output {

class LogShipper {
 public:
  // `sink` (may be null: lines are dropped) must outlive the shipper.
  explicit LogShipper(logs::LogSink* sink);
  ~LogShipper();
  // Queues `lines` for group/stream in `scope`; they are written in the order shipped.
  // While more than `max_queued_bytes` of message text waits for this stream, its oldest
  // waiting lines are dropped (Docker's non-blocking log mode; the newest line is always kept).
  // Returns how many lines were dropped.
  size_t Ship(const Scope& scope, const std::string& group, const std::string& stream,
              std::vector<logs::LogLine> lines, size_t max_queued_bytes = SIZE_MAX);
  // Message bytes of `stream` waiting to be written (what a blocking producer waits on).
  size_t QueuedBytes(const Scope& scope, const std::string& group, const std::string& stream);
  // Blocks until everything queued so far is written (tests, shutdown).
  void Flush();

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  void Loop();

  logs::LogSink* sink_;
  std::mutex mu_;
  std::condition_variable cv_, flushed_;
  struct Queued {
    std::vector<logs::LogLine> lines;
    size_t bytes = 0;  // of their messages
  };
  std::map<Key, Queued, std::less<>> queue_;
  uint64_t queued_ = 0, written_ = 0;
  uint64_t flush_requests_ = 0, flushes_seen_ = 0;  // a Flush() cuts the batching window short
  bool done_ = false;
  std::thread thread_;
};

}  // namespace nimbus::output
