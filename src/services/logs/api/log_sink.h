// What CloudWatch Logs offers other services: a sink for their output (Lambda functions' lines,
// later ECS containers'). Published in ServiceLinks::log_sink by the logs service.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nimbus::logs {

// One line: epoch milliseconds and the text (UTF-8).
struct LogLine {
  int64_t timestamp_ms = 0;
  std::string message;
};

// One stream's new lines.
struct LogBatch {
  std::string account_id, region, group, stream;
  std::vector<LogLine> lines;
};

// Thread-safe; Append may block briefly (one durable write).
class LogSink {
 public:
  virtual ~LogSink() = default;
  // Appends each batch's lines to its group/stream, creating both when missing, all in one
  // durable write. A failing batch is dropped (and said on stderr); the others are kept.
  virtual void Append(std::vector<LogBatch> batches) = 0;
};

}  // namespace nimbus::logs
