// Input validation of the logs API, worded as AWS words it (InvalidParameterException; the
// "N validation error(s) detected" collector is kit's Violations). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/aws_error.h"
#include "services/kit/violations.h"
#include "services/logs/log_store.h"

namespace nimbus::logs {

// The code of every logs validation error: v.Error(kInvalidParameter).
inline constexpr const char* kInvalidParameter = "InvalidParameterException";

// Adds the violations of a log group name (1-512, [\.\-_/#A-Za-z0-9]+) or a log stream name
// (1-512, [^:*]*) given as `field`.
void CheckGroupName(Violations& v, const std::string& field, const std::string& name);
void CheckStreamName(Violations& v, const std::string& field, const std::string& name);

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
