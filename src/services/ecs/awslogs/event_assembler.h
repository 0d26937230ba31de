// A container's lines into CloudWatch events as Docker's awslogs driver makes them: one event
// per non-empty line, cut at CloudWatch's 262118-byte event limit; with a line-start pattern
// (multiline), lines join the event the last matching line began, each keeping its '\n', and a
// pending event goes out once it is kFlushAfterMs old or the stream ends. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "services/logs/api/log_sink.h"

namespace nimbus::ecs::awslogs {

class EventAssembler {
 public:
  static constexpr size_t kMaxEventBytes = 262144 - 26;  // PutLogEvents' limit per event
  static constexpr int64_t kFlushAfterMs = 5000;         // Docker's force-flush interval

  // `line_start` (may be null: no multiline) must outlive the assembler.
  explicit EventAssembler(const std::regex* line_start) : line_start_(line_start) {}

  // One line (without its '\n') read at `now_ms`; completed events are appended to `out`.
  void Add(const std::string& line, int64_t now_ms, std::vector<logs::LogLine>& out);
  // Emits the pending multiline event when it is kFlushAfterMs old at `now_ms`.
  void FlushIfOld(int64_t now_ms, std::vector<logs::LogLine>& out);
  // Emits the pending multiline event, if any (the container's output ended).
  void Flush(std::vector<logs::LogLine>& out);
  bool pending() const { return !buffer_.empty(); }

 private:
  // `text` as events of at most kMaxEventBytes, cut on UTF-8 character boundaries.
  static void Emit(const std::string& text, int64_t timestamp_ms, std::vector<logs::LogLine>& out);

  const std::regex* line_start_;
  std::string buffer_;
  int64_t buffer_ms_ = 0;
};

}  // namespace nimbus::ecs::awslogs
