// Validation of Lambda configuration values, with AWS's error codes and wording. Pure
// functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/aws_error.h"
#include "protocol/call.h"

namespace nimbus::lambda {

// The host's architecture as Lambda names it ("x86_64" or "arm64").
std::string_view HostArchitecture();
// Runtime: nullopt when nimbus can run it (provided.al2023, provided.al2, provided, python3.x,
// nodejs*.x); InvalidParameterValueException for unknown, deprecated or unsupported runtimes.
std::optional<AwsError> CheckRuntime(const std::string& runtime);
// Architectures list: exactly one of AWS's values, and the host's.
std::optional<AwsError> CheckArchitectures(const Value& list);
// Role ARN format (ValidationException with AWS's pattern).
std::optional<AwsError> CheckRole(const std::string& role);
// Environment.Variables: keys [a-zA-Z]([a-zA-Z0-9_])+, string values, at most 4 KB in total,
// no reserved keys.
std::optional<AwsError> CheckEnvironment(const Value& variables);

}  // namespace nimbus::lambda
