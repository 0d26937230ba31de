#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/logs/ops.h"
#include "services/logs/validation.h"

namespace nimbus::logs::ops {

AwsError ToAwsError(const Status& st) {
  return nimbus::ToAwsError(st, {"ResourceNotFoundException", "ResourceAlreadyExistsException",
                                 "InvalidParameterException", "ServiceUnavailableException"});
}

std::optional<std::string> GroupFromArn(std::string_view text) {
  // arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]
  auto arn = ParseArn(text);
  if (!arn || !arn->resource.starts_with("log-group:")) return std::nullopt;
  std::string_view name = std::string_view(arn->resource).substr(10);
  if (name.ends_with(":*")) name.remove_suffix(2);
  if (name.empty() || name.find(':') != std::string_view::npos) return std::nullopt;
  return std::string(name);
}

bool ArnIsCallers(const CallContext& call, std::string_view arn) {
  auto parsed = ParseArn(arn);
  return parsed && parsed->scope == ScopeOf(call);
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
  CheckGroupName(v, field, name);
  if (!v.empty()) return v.Error(kInvalidParameter);
  return name;
}

}  // namespace nimbus::logs::ops
