#include "services/lambda/invoke/platform_text.h"

#include <charconv>
#include <cmath>

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

namespace {

// Appends `v` with two decimals, as printf's "%.2f" (std::to_chars rounds the same way).
void AppendFixed2(std::string& out, double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  out.append(buf, r.ec == std::errc() ? r.ptr : buf);
}

void AppendInt(std::string& out, long long v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

}  // namespace

std::string ReportLine(std::string_view request_id, double duration_ms, int memory_mb,
                       int max_memory_used_mb, std::optional<double> init_ms,
                       std::string_view status) {
  std::string line;
  line.reserve(160 + request_id.size());
  line.append("REPORT RequestId: ").append(request_id).append("\tDuration: ");
  AppendFixed2(line, duration_ms);
  line.append(" ms\tBilled Duration: ");
  AppendInt(line, static_cast<long long>(std::ceil(duration_ms)));
  line.append(" ms\tMemory Size: ");
  AppendInt(line, memory_mb);
  line.append(" MB\tMax Memory Used: ");
  AppendInt(line, max_memory_used_mb);
  line.append(" MB");
  if (init_ms) {
    line.append("\tInit Duration: ");
    AppendFixed2(line, *init_ms);
    line.append(" ms");
  }
  if (!status.empty()) line.append("\tStatus: ").append(status);
  return line;
}

}  // namespace nimbus::lambda
