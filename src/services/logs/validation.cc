#include "services/logs/validation.h"

#include <algorithm>
#include <array>

namespace nimbus::logs {
namespace {

constexpr std::array<int, 22> kRetentionDays = {1,    3,    5,    7,    14,   30,  60,  90,
                                                120,  150,  180,  365,  400,  545, 731, 1096,
                                                1827, 2192, 2557, 2922, 3288, 3653};
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

bool IsGroupNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == '/' || c == '#';
}

}  // namespace

AwsError InvalidParameter(std::string message) {
  return AwsError("InvalidParameterException", std::move(message));
}

void CheckGroupName(Violations& v, const std::string& field, const std::string& name) {
  if (!std::all_of(name.begin(), name.end(), IsGroupNameChar) || name.empty()) {
    v.Add(name, field, "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  }
  v.MinLength(name, 1, field);
  v.MaxLength(name, 512, field);
}

void CheckStreamName(Violations& v, const std::string& field, const std::string& name) {
  if (name.find_first_of(":*") != std::string::npos) {
    v.Add(name, field, "Member must satisfy regular expression pattern: [^:*]*");
  }
  v.MinLength(name, 1, field);
  v.MaxLength(name, 512, field);
}

bool IsValidRetention(int64_t days) {
  return std::find(kRetentionDays.begin(), kRetentionDays.end(), days) != kRetentionDays.end();
}

std::string RetentionValueSet() {
  std::string out = "[";
  for (size_t i = 0; i < kRetentionDays.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(kRetentionDays[i]);
  }
  return out + "]";
}

Result<BatchVerdict, AwsError> CheckBatch(const std::vector<LogEvent>& events, int64_t now_ms,
                                          std::optional<int> retention_days) {
  Violations v;
  if (events.empty()) {
    v.AddWithoutValue("logEvents", "Member must have length greater than or equal to 1");
  }
  if (events.size() > kMaxBatchEvents) {
    v.AddWithoutValue("logEvents", "Member must have length less than or equal to 10000");
  }
  for (size_t i = 0; i < events.size() && i < kMaxBatchEvents; ++i) {
    if (events[i].message.empty()) {
      v.Add("", "logEvents." + std::to_string(i + 1) + ".member.message",
            "Member must have length greater than or equal to 1");
    }
  }
  if (!v.empty()) return v.Error(kInvalidParameter);
  int64_t bytes = 0;
  for (const LogEvent& e : events) {
    bytes += static_cast<int64_t>(e.message.size()) + kEventOverheadBytes;
  }
  if (bytes > kMaxBatchBytes) {
    return InvalidParameter("Upload too large: " + std::to_string(bytes) +
                            " bytes exceeds limit of " + std::to_string(kMaxBatchBytes));
  }
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].timestamp_ms < events[i - 1].timestamp_ms) {
      return InvalidParameter(
          "Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  BatchVerdict out;
  const int64_t too_new = now_ms + 2 * kHourMs;
  const int64_t too_old = now_ms - 14 * kDayMs;
  const int64_t expired =
      retention_days && *retention_days > 0 ? now_ms - int64_t{*retention_days} * kDayMs : 0;
  for (size_t i = 0; i < events.size(); ++i) {
    int64_t ts = events[i].timestamp_ms;
    int idx = static_cast<int>(i);
    if (ts > too_new) {
      if (!out.too_new_start) out.too_new_start = idx;
      continue;
    }
    if (ts < too_old) out.too_old_end = idx;
    if (ts < expired) out.expired_end = idx;
  }
  out.begin = 0;
  if (out.too_old_end) out.begin = static_cast<size_t>(*out.too_old_end) + 1;
  if (out.expired_end) out.begin = std::max(out.begin, static_cast<size_t>(*out.expired_end) + 1);
  out.end = out.too_new_start ? static_cast<size_t>(*out.too_new_start) : events.size();
  if (out.end < out.begin) out.end = out.begin;
  if (out.end > out.begin &&
      events[out.end - 1].timestamp_ms - events[out.begin].timestamp_ms > kDayMs) {
    return InvalidParameter(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 "
        "hours.");
  }
  return out;
}

}  // namespace nimbus::logs
