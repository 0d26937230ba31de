// Lambda names and ARNs: parsing what callers pass as FunctionName (name, partial ARN
// "123456789012:function:name", full ARN, each optionally ":qualifier"), layer ARNs, and
// building ARNs. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/aws_error.h"
#include "core/status.h"

namespace nimbus::lambda {

inline constexpr std::string_view kLatest = "$LATEST";

// A function reference after parsing; account/region are empty unless the input was an ARN.
struct FunctionRef {
  std::string name;
  std::string qualifier;  // empty when none
  std::string account;
  std::string region;
};

// Parses a FunctionName input. ValidationException (pattern) when malformed; `field` names the
// member in the message ("functionName"). With allow_qualifier=false, a qualifier is an error.
Result<FunctionRef, AwsError> ParseFunctionRef(std::string_view input, bool allow_qualifier = true,
                                               std::string_view field = "functionName");

// ParseFunctionRef plus the separate Qualifier parameter and the caller's account/region:
// InvalidParameterValueException when both qualifiers are given and differ
// ("The derived qualifier from the function name does not match the specified qualifier."),
// ResourceNotFoundException when the ARN names another account or region.
Result<FunctionRef, AwsError> ResolveFunctionRef(std::string_view input,
                                                 std::string_view qualifier_param,
                                                 const std::string& account,
                                                 const std::string& region);

// arn:aws:lambda:<region>:<account>:function:<name>
std::string FunctionArn(const std::string& region, const std::string& account,
                        const std::string& name);
// FunctionArn + ":<qualifier>" (qualifier may be empty: then unqualified).
std::string QualifiedArn(const std::string& region, const std::string& account,
                         const std::string& name, const std::string& qualifier);

// [a-zA-Z0-9-_]{1,64}
bool IsValidFunctionName(std::string_view name);
// A published version number: digits only, no leading zero, fits in int64.
bool IsVersionNumber(std::string_view q);
// Alias names: [a-zA-Z0-9-_]{1,128} and not only digits.
bool IsValidAliasName(std::string_view name);
// "$LATEST", a version number or an alias name.
bool IsValidQualifier(std::string_view q);

// arn:aws:lambda:<region>:<account>:layer:<name>
std::string LayerArn(const std::string& region, const std::string& account,
                     const std::string& name);

struct LayerVersionRef {
  std::string region, account, name;
  int64_t version = 0;
};
// Parses arn:aws:lambda:<region>:<account>:layer:<name>:<version>. InvalidArgument otherwise.
Result<LayerVersionRef> ParseLayerVersionArn(std::string_view arn);
// A LayerName input: a name ([a-zA-Z0-9-_]{1,140}) or a layer ARN (unversioned). Returns the
// bare name; ValidationException when malformed or the ARN names another account/region.
Result<std::string, AwsError> ParseLayerName(std::string_view input, const std::string& account,
                                             const std::string& region);

}  // namespace nimbus::lambda
