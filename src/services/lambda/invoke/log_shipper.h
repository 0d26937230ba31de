// Ships function log lines to the LogSink in the background, batched, so invocations never
// wait on a log write. Thread-safe. Lines queued before destruction are flushed by it.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "services/lambda/data_plane.h"

namespace nimbus::lambda {

class LogShipper {
 public:
  explicit LogShipper(LogSink* sink);
  ~LogShipper();
  void Ship(const std::string& account, const std::string& region, const std::string& group,
            const std::string& stream, std::vector<LogLine> lines);
  // Blocks until everything queued so far is written (tests, shutdown).
  void Flush();

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  void Loop();

  LogSink* sink_;
  std::mutex mu_;
  std::condition_variable cv_, flushed_;
  std::map<Key, std::vector<LogLine>, std::less<>> queue_;
  uint64_t queued_ = 0, written_ = 0;
  uint64_t flush_requests_ = 0, flushes_seen_ = 0;  // a Flush() cuts the batching window short
  bool done_ = false;
  std::thread thread_;
};

}  // namespace nimbus::lambda
