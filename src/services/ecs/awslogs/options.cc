#include "services/ecs/awslogs/options.h"

#include <array>
#include <cmath>
#include <string_view>
#include <utility>

#include "services/kit/input.h"

namespace nimbus::ecs::awslogs {
namespace {

// What ECS lets a task definition give the awslogs driver (the Developer Guide's list).
constexpr std::array<std::string_view, 9> kEcsOptions = {"awslogs-create-group",
                                                         "awslogs-region",
                                                         "awslogs-endpoint",
                                                         "awslogs-group",
                                                         "awslogs-stream-prefix",
                                                         "awslogs-datetime-format",
                                                         "awslogs-multiline-pattern",
                                                         "mode",
                                                         "max-buffer-size"};

bool IsEcsOption(std::string_view key) {
  for (std::string_view k : kEcsOptions) {
    if (k == key) return true;
  }
  return false;
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(const std::string& s) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return true;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

}  // namespace

std::optional<AwsError> CheckLogConfiguration(const Value& log_configuration, bool fargate,
                                              bool has_execution_role) {
  if (Str(log_configuration, "logDriver") != "awslogs") return std::nullopt;
  const Value* options = Member(log_configuration, "options");
  std::string missing, disallowed;
  for (const char* required : {"awslogs-region", "awslogs-group"}) {
    if (options == nullptr || Str(*options, required).empty()) {
      missing += (missing.empty() ? "" : ", ") + std::string(required);
    }
  }
  if (!missing.empty()) {
    return AwsError("ClientException", "Log driver awslogs requires options: " + missing);
  }
  for (auto it = options->begin(); it != options->end(); ++it) {
    if (!IsEcsOption(it.key())) disallowed += (disallowed.empty() ? "" : ", ") + it.key();
  }
  if (!disallowed.empty()) {
    return AwsError("ClientException", "Log driver awslogs disallows options: " + disallowed);
  }
  if (fargate && Str(*options, "awslogs-stream-prefix").empty()) {
    return AwsError("ClientException",
                    "Fargate requires log configuration options to include awslogs-stream-prefix "
                    "to support log driver awslogs.");
  }
  if (fargate && !has_execution_role) {
    return AwsError("ClientException",
                    "Fargate requires task definition to have execution role ARN to support log "
                    "driver awslogs.");
  }
  return std::nullopt;
}

Result<Options> ParseOptions(const std::map<std::string, std::string>& options) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  };
  for (const auto& [key, value] : options) {
    if (!IsEcsOption(key)) {
      return Status::InvalidArgument("unknown log opt '" + key + "' for awslogs log driver");
    }
  }
  Options out;
  if (const std::string* g = get("awslogs-group")) out.group = *g;
  if (out.group.empty()) {
    return Status::InvalidArgument("must specify a value for log opt 'awslogs-group'");
  }
  if (const std::string* r = get("awslogs-region")) out.region = *r;
  if (const std::string* p = get("awslogs-stream-prefix")) out.stream_prefix = *p;
  if (const std::string* c = get("awslogs-create-group"); c != nullptr && !c->empty()) {
    auto b = ParseGoBool(*c);
    if (!b) {
      return Status::InvalidArgument(
          "must specify valid value for log opt 'awslogs-create-group': strconv.ParseBool: "
          "parsing \"" +
          *c + "\": invalid syntax");
    }
    out.create_group = *b;
  }
  const std::string* datetime = get("awslogs-datetime-format");
  const std::string* multiline = get("awslogs-multiline-pattern");
  if (datetime != nullptr && multiline != nullptr) {
    return Status::InvalidArgument(
        "you cannot configure log opt 'awslogs-datetime-format' and "
        "'awslogs-multiline-pattern' at the same time");
  }
  std::string pattern = datetime != nullptr    ? DatetimeFormatToRegex(*datetime)
                        : multiline != nullptr ? *multiline
                                               : "";
  if (!pattern.empty()) {
    try {
      out.line_start.emplace(pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("awslogs could not parse multiline pattern key \"" + pattern +
                                     "\": " + e.what());
    }
  }
  const std::string* mode = get("mode");
  if (mode != nullptr && *mode != "" && *mode != "blocking" && *mode != "non-blocking") {
    return Status::InvalidArgument("logger: logging mode not supported: " + *mode);
  }
  out.non_blocking = mode != nullptr && *mode == "non-blocking";
  if (const std::string* size = get("max-buffer-size")) {
    if (!out.non_blocking) {
      return Status::InvalidArgument(
          "logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    }
    auto bytes = ParseRamBytes(*size);
    if (!bytes || *bytes < 0) {
      return Status::InvalidArgument("logger: invalid max-buffer-size: invalid size: '" + *size +
                                     "'");
    }
    out.max_buffer_size = static_cast<size_t>(*bytes);
  }
  return out;
}

std::string StreamName(const Options& options, const std::string& container_name,
                       const std::string& task_id, const std::string& runtime_id) {
  if (options.stream_prefix.empty()) return runtime_id;
  return options.stream_prefix + "/" + container_name + "/" + task_id;
}

std::string DatetimeFormatToRegex(const std::string& format) {
  auto sequence = [](char c) -> std::string_view {
    switch (c) {
      case 'a':
        return "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
      case 'A':
        return "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
      case 'w':
        return "[0-6]";
      case 'd':
        return "(?:0[1-9]|[1,2][0-9]|3[0,1])";
      case 'b':
        return "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
      case 'B':
        return "(?:January|February|March|April|May|June|July|August|September|October|"
               "November|December)";
      case 'm':
        return "(?:0[1-9]|1[0-2])";
      case 'Y':
        return "\\d{4}";
      case 'y':
        return "\\d{2}";
      case 'H':
        return "(?:[0,1][0-9]|2[0-4])";
      case 'I':
        return "(?:0[0-9]|1[0-2])";
      case 'p':
        return "[A,P]M";
      case 'M':
        return "[0-5][0-9]";
      case 'S':
        return "[0-5][0-9]";
      case 'f':
        return "\\d{6}";
      case 'z':
        return "[+-]\\d{4}";
      case 'Z':
        return "[A-Z]{1,4}T";
      case 'j':
        return "(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])";
      case 'L':
        return "\\.\\d{3}";
      default:
        return "";
    }
  };
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      out += sequence(format[++i]);
    } else {
      out += format[i];
    }
  }
  return out;
}

std::optional<int64_t> ParseRamBytes(const std::string& text) {
  static const std::regex kSize(R"(^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$)");
  std::smatch m;
  if (!std::regex_match(text, m, kSize)) return std::nullopt;
  double number = 0;
  try {
    number = std::stod(m[1].str());
  } catch (...) {
    return std::nullopt;
  }
  double scale = 1;
  if (m[3].matched) {
    switch (std::tolower(m[3].str()[0])) {
      case 'k':
        scale = 1024.0;
        break;
      case 'm':
        scale = 1024.0 * 1024;
        break;
      case 'g':
        scale = 1024.0 * 1024 * 1024;
        break;
      case 't':
        scale = 1024.0 * 1024 * 1024 * 1024;
        break;
      case 'p':
        scale = 1024.0 * 1024 * 1024 * 1024 * 1024;
        break;
    }
  }
  double bytes = number * scale;
  if (!std::isfinite(bytes) || bytes > 9e18) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

}  // namespace nimbus::ecs::awslogs
