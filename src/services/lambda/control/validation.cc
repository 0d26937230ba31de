#include "services/lambda/control/validation.h"

#include <array>

#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

constexpr std::array<std::string_view, 24> kDeprecated = {
    "nodejs",        "nodejs4.3",     "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
    "nodejs12.x",    "nodejs14.x",    "python2.7",      "python3.6",  "python3.7",  "dotnetcore1.0",
    "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",  "dotnet6",    "ruby2.5",    "ruby2.7",
    "go1.x",         "java8",         "nodejs16.x",     "python3.8",  "provided",   "java8.al2"};
constexpr std::array<std::string_view, 22> kCurrent = {
    "nodejs18.x", "nodejs20.x", "nodejs22.x",   "nodejs24.x",     "python3.9", "python3.10",
    "python3.11", "python3.12", "python3.13",   "python3.14",     "java11",    "java17",
    "java21",     "java25",     "dotnet8",      "dotnet10",       "ruby3.2",   "ruby3.3",
    "ruby3.4",    "ruby4.0",    "provided.al2", "provided.al2023"};
constexpr std::array<std::string_view, 18> kReservedEnv = {"_HANDLER",
                                                           "_X_AMZN_TRACE_ID",
                                                           "AWS_DEFAULT_REGION",
                                                           "AWS_REGION",
                                                           "AWS_EXECUTION_ENV",
                                                           "AWS_LAMBDA_FUNCTION_NAME",
                                                           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                                           "AWS_LAMBDA_FUNCTION_VERSION",
                                                           "AWS_LAMBDA_INITIALIZATION_TYPE",
                                                           "AWS_LAMBDA_LOG_GROUP_NAME",
                                                           "AWS_LAMBDA_LOG_STREAM_NAME",
                                                           "AWS_ACCESS_KEY",
                                                           "AWS_ACCESS_KEY_ID",
                                                           "AWS_SECRET_ACCESS_KEY",
                                                           "AWS_SESSION_TOKEN",
                                                           "AWS_LAMBDA_RUNTIME_API",
                                                           "LAMBDA_TASK_ROOT",
                                                           "LAMBDA_RUNTIME_DIR"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view v) {
  for (std::string_view s : list) {
    if (s == v) return true;
  }
  return false;
}

bool Runnable(std::string_view rt) {
  if (rt.starts_with("provided")) return true;
  if (rt.starts_with("python3.") || (rt.starts_with("nodejs") && rt.ends_with(".x"))) return true;
  return false;
}

}  // namespace

std::string_view HostArchitecture() {
#if defined(__aarch64__)
  return "arm64";
#else
  return "x86_64";
#endif
}

std::optional<AwsError> CheckRuntime(const std::string& rt) {
  if (Contains(kDeprecated, rt)) {
    return InvalidParam("The runtime parameter of " + rt +
                        " is no longer supported for creating or updating AWS Lambda functions. "
                        "We recommend you use a supported runtime while creating or updating "
                        "functions.");
  }
  if (!Contains(kCurrent, rt)) {
    std::string set;
    for (std::string_view s : kCurrent) set += (set.empty() ? "" : ", ") + std::string(s);
    return InvalidParam("Value " + rt +
                        " at 'runtime' failed to satisfy constraint: Member must satisfy enum "
                        "value set: [" +
                        set + "] or be a valid ARN");
  }
  if (!Runnable(rt)) {
    return InvalidParam(
        "nimbus runs provided.al2023, provided.al2, python3.x and nodejs "
        "functions natively; runtime " +
        rt + " is not supported");
  }
  return std::nullopt;
}

std::optional<AwsError> CheckArchitectures(const Value& list) {
  std::string shown = "[";
  if (list.is_array()) {
    for (size_t i = 0; i < list.size(); ++i) {
      shown += (i ? ", " : "") + (list[i].is_string() ? list[i].get<std::string>() : "?");
    }
  }
  shown += "]";
  Violations v;
  if (!list.is_array() || list.empty()) {
    v.Add(shown, "architectures", "Member must have length greater than or equal to 1");
    return v.Error();
  }
  if (list.size() > 1) {
    v.Add(shown, "architectures", "Member must have length less than or equal to 1");
    return v.Error();
  }
  std::string arch = list[0].is_string() ? list[0].get<std::string>() : "";
  if (arch != "x86_64" && arch != "arm64") {
    v.Add(shown, "architectures",
          "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]");
    return v.Error();
  }
  if (arch != HostArchitecture()) {
    return InvalidParam("nimbus runs functions natively on this " +
                        std::string(HostArchitecture()) + " host: architecture " + arch +
                        " is not supported here (use " + std::string(HostArchitecture()) + ")");
  }
  return std::nullopt;
}

std::optional<AwsError> CheckRole(const std::string& role) {
  // arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
  bool ok = role.starts_with("arn:");
  size_t i = 4;
  if (ok) {
    size_t colon = role.find(':', i);
    std::string_view part =
        colon == std::string::npos ? "" : std::string_view(role).substr(i, colon - i);
    ok = colon != std::string::npos && (part.empty() || part.starts_with("aws"));
    for (char c : part) ok = ok && (IsAlpha(c) || c == '-');
    i = colon + 1;
  }
  ok = ok && role.compare(i, 5, "iam::") == 0;
  i += 5;
  for (size_t k = 0; ok && k < 12; ++k) ok = i + k < role.size() && IsDigit(role[i + k]);
  i += 12;
  ok = ok && role.compare(i, 5, ":role") == 0;
  i += 5;
  if (ok && i < role.size() && role[i] == '/') ++i;
  ok = ok && i < role.size() && role.size() <= 2048;
  for (; ok && i < role.size(); ++i) {
    char c = role[i];
    ok = IsAlpha(c) || IsDigit(c) || std::string_view("_+=,.@-/").find(c) != std::string::npos;
  }
  if (ok) return std::nullopt;
  Violations v;
  v.Add(role, "role",
        "Member must satisfy regular expression pattern: "
        "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  return v.Error();
}

std::optional<AwsError> CheckEnvironment(const Value& vars) {
  if (!vars.is_object()) return ValidationError("Environment.Variables must be a map");
  std::string reserved;
  for (auto it = vars.begin(); it != vars.end(); ++it) {
    const std::string& k = it.key();
    bool ok = k.size() >= 2 && IsAlpha(k[0]);
    for (char c : k) ok = ok && (IsAlpha(c) || IsDigit(c) || c == '_');
    if (!ok) {
      Violations v;
      v.Add(k, "environment.variables",
            "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
            "[a-zA-Z]([a-zA-Z0-9_])+]");
      return v.Error();
    }
    if (!it->is_string()) return ValidationError("Environment variable " + k + " must be a string");
    if (Contains(kReservedEnv, k)) reserved += (reserved.empty() ? "" : ", ") + k;
  }
  if (!reserved.empty()) {
    return InvalidParam(
        "Lambda was unable to configure your environment variables because the "
        "environment variables you have provided contains reserved keys that "
        "are currently not supported for modification. Reserved keys used in "
        "this request: " +
        reserved);
  }
  std::string measured = vars.dump(-1, ' ', false, Value::error_handler_t::replace);
  if (measured.size() > 4096) {
    return InvalidParam(
        "Lambda was unable to configure your environment variables because the "
        "environment variables you have provided exceeded the 4KB limit. String "
        "measured: " +
        measured);
  }
  return std::nullopt;
}

}  // namespace nimbus::lambda
