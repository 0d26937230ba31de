#include "services/logs/ops.h"
#include "services/logs/validation.h"

namespace nimbus::logs::ops {

AwsError ToAwsError(const Status& st) {
  switch (st.code()) {
    case StatusCode::kNotFound:
      return AwsError("ResourceNotFoundException", st.message());
    case StatusCode::kAlreadyExists:
      return AwsError("ResourceAlreadyExistsException", st.message());
    case StatusCode::kInvalidArgument:
      return InvalidParameter(st.message());
    default:
      return AwsError("ServiceUnavailableException", "nimbus logs store: " + st.ToString(), 500,
                      false);
  }
}

std::string Str(const Value& in, std::string_view key) {
  auto it = in.find(key);
  if (it == in.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::optional<int64_t> Int(const Value& in, std::string_view key) {
  auto it = in.find(key);
  if (it == in.end() || !it->is_number()) return std::nullopt;
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  return it->get<int64_t>();
}

bool Bool(const Value& in, std::string_view key, bool def) {
  auto it = in.find(key);
  if (it == in.end() || !it->is_boolean()) return def;
  return it->get<bool>();
}

std::optional<std::string> GroupFromArn(std::string_view arn) {
  // arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  if (!arn.starts_with("arn:") || arn.substr(pos).substr(0, 10) != "log-group:") {
    return std::nullopt;
  }
  std::string_view name = arn.substr(pos + 10);
  if (name.ends_with(":*")) name.remove_suffix(2);
  if (name.empty() || name.find(':') != std::string_view::npos) return std::nullopt;
  return std::string(name);
}

bool ArnIsCallers(const CallContext& call, std::string_view arn) {
  // arn:<partition>:logs:<region>:<account>:...
  size_t service = arn.find(':', 4);
  size_t region = service == std::string_view::npos ? service : arn.find(':', service + 1);
  size_t account = region == std::string_view::npos ? region : arn.find(':', region + 1);
  size_t end = account == std::string_view::npos ? account : arn.find(':', account + 1);
  if (end == std::string_view::npos) return false;
  return arn.substr(region + 1, account - region - 1) == call.region &&
         arn.substr(account + 1, end - account - 1) == call.account_id;
}

Result<std::string, AwsError> ResolveGroup(const CallContext& call, const Value& in) {
  bool has_name = in.contains("logGroupName");
  bool has_id = in.contains("logGroupIdentifier");
  if (has_name && has_id) {
    return InvalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (!has_name && !has_id) {
    return InvalidParameter("Should provide either name or ARN of the log group.");
  }
  std::string name = has_name ? Str(in, "logGroupName") : Str(in, "logGroupIdentifier");
  const char* field = has_name ? "logGroupName" : "logGroupIdentifier";
  if (!has_name && name.starts_with("arn:")) {
    auto from_arn = GroupFromArn(name);
    if (!from_arn) return InvalidParameter("Invalid log group ARN: " + name);
    if (!ArnIsCallers(call, name)) {
      return AwsError("ResourceNotFoundException", "The specified log group does not exist.");
    }
    name = *from_arn;
  }
  Violations v;
  v.GroupName(field, name);
  if (!v.empty()) return v.Error();
  return name;
}

}  // namespace nimbus::logs::ops
