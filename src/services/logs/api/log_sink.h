// What CloudWatch Logs offers other services: a sink for their output (Lambda functions' lines,
// ECS containers'). Published in ServiceLinks::log_sink by the logs service.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "services/kit/scope.h"

namespace nimbus::logs {

// One line: epoch milliseconds and the text (UTF-8).
struct LogLine {
  int64_t timestamp_ms = 0;
  std::string message;
};

// One stream's new lines.
struct LogBatch {
  Scope scope;
  std::string group, stream;
  std::vector<LogLine> lines;
};

// Thread-safe; Append may block briefly (one durable write).
class LogSink {
 public:
  virtual ~LogSink() = default;
  // Appends each batch's lines to its group/stream, creating both when missing, all in one
  // durable write. A failing batch is dropped (and said on stderr); the others are kept.
  virtual void Append(std::vector<LogBatch> batches) = 0;
  // Makes `stream` exist in `group` before any line is shipped (what a log driver does when its
  // container starts): creates the group too when `create_group`, else NotFound "The specified
  // log group does not exist." when it is missing. Durable when OK.
  virtual Status PrepareStream(const Scope& scope, const std::string& group,
                               const std::string& stream, bool create_group) = 0;
};

}  // namespace nimbus::logs
