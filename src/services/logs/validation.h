// Input validation of the logs API, worded as AWS words it (InvalidParameterException).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/aws_error.h"
#include "services/logs/log_store.h"

namespace nimbus::logs {

// Collects model-constraint violations into AWS's "N validation error(s) detected: ..." form.
class Violations {
 public:
  // `value` is quoted into the message ("Value 'x' at 'field' failed to satisfy constraint:
  // <constraint>"); pass nullopt to leave the value out (lists, large values).
  void Add(std::optional<std::string_view> value, std::string_view field,
           std::string_view constraint);
  void GroupName(std::string_view field, std::string_view name);   // 1-512, [\.\-_/#A-Za-z0-9]+
  void StreamName(std::string_view field, std::string_view name);  // 1-512, [^:*]*
  void Range(std::string_view field, int64_t value, int64_t min, int64_t max);
  bool empty() const { return items_.empty(); }
  // InvalidParameterException with all violations; only meaningful when !empty().
  AwsError Error() const;

 private:
  std::vector<std::string> items_;
};

// InvalidParameterException with `message`.
AwsError InvalidParameter(std::string message);

// The values PutRetentionPolicy accepts.
bool IsValidRetention(int64_t days);
// "[1, 3, 5, ...]" for the enum-value-set message.
std::string RetentionValueSet();

// The outcome of PutLogEvents' batch rules for a batch in chronological order.
struct BatchVerdict {
  size_t begin = 0;  // events [begin, end) are accepted
  size_t end = 0;
  std::optional<int> too_new_start;  // rejectedLogEventsInfo fields, when set
  std::optional<int> too_old_end;
  std::optional<int> expired_end;
};
constexpr int64_t kMaxBatchBytes = 1'048'576;
constexpr int64_t kEventOverheadBytes = 26;
constexpr size_t kMaxBatchEvents = 10'000;

// Applies AWS's PutLogEvents rules: at most 10,000 events, 1 MiB (+26 bytes per event), no
// empty message, chronological order, at most 24 h span; events over 2 h in the future, over
// 14 days old or older than the retention are rejected individually. An error fails the call.
Result<BatchVerdict, AwsError> CheckBatch(const std::vector<LogEvent>& events, int64_t now_ms,
                                          std::optional<int> retention_days);

}  // namespace nimbus::logs
