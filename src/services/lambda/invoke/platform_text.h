// The texts Lambda's platform writes: log stream names, platform log lines, error payloads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus::lambda {

// "2024/01/31/[$LATEST]0123456789abcdef0123456789abcdef"
std::string LogStreamName(std::chrono::system_clock::time_point t, std::string_view version,
                          std::string_view hex32);
// {"errorMessage":"...","errorType":"..."} as Lambda returns platform errors.
std::string ErrorPayload(std::string_view type, std::string_view message);
// "2024-01-31T12:00:00.123Z"
std::string FormatLogTimestamp(std::chrono::system_clock::time_point t);
// "REPORT RequestId: …\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
// Max Memory Used: 30 MB\tInit Duration: 12.34 ms" (+ "\tStatus: timeout" when status given).
std::string ReportLine(std::string_view request_id, double duration_ms, int memory_mb,
                       int max_memory_used_mb, std::optional<double> init_ms,
                       std::string_view status);

}  // namespace nimbus::lambda
