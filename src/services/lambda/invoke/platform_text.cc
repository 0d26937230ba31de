#include "services/lambda/invoke/platform_text.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace nimbus::lambda {

std::string LogStreamName(std::chrono::system_clock::time_point t, std::string_view version,
                          std::string_view hex32) {
  std::string day = FormatIso8601(t).substr(0, 10);  // YYYY-MM-DD
  for (char& c : day) {
    if (c == '-') c = '/';
  }
  return day + "/[" + std::string(version) + "]" + std::string(hex32);
}

std::string ErrorPayload(std::string_view type, std::string_view message) {
  nlohmann::json j = {{"errorMessage", std::string(message)}, {"errorType", std::string(type)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string FormatLogTimestamp(std::chrono::system_clock::time_point t) {
  return FormatIso8601(t, true);
}

std::string ReportLine(std::string_view request_id, double duration_ms, int memory_mb,
                       int max_memory_used_mb, std::optional<double> init_ms,
                       std::string_view status) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "REPORT RequestId: %.*s\tDuration: %.2f ms\tBilled Duration: %lld ms\t"
                "Memory Size: %d MB\tMax Memory Used: %d MB",
                static_cast<int>(request_id.size()), request_id.data(), duration_ms,
                static_cast<long long>(std::ceil(duration_ms)), memory_mb, max_memory_used_mb);
  std::string line = buf;
  if (init_ms) {
    std::snprintf(buf, sizeof buf, "\tInit Duration: %.2f ms", *init_ms);
    line += buf;
  }
  if (!status.empty()) {
    line += "\tStatus: ";
    line += status;
  }
  return line;
}

}  // namespace nimbus::lambda
