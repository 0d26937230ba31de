#include "services/lambda/control/names.h"

#include <vector>

#include "services/kit/arn.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

constexpr std::string_view kFunctionPattern =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
    "([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
constexpr std::string_view kLayerPattern =
    "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

std::vector<std::string_view> SplitColon(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (true) {
    size_t j = s.find(':', i);
    if (j == std::string_view::npos) {
      out.push_back(s.substr(i));
      return out;
    }
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
}

bool NameChars(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool Digits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsRegion(std::string_view s) {
  if (s.size() < 4) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

AwsError PatternError(std::string_view input, std::string_view field, std::string_view pattern) {
  Violations v;
  v.Add(std::string(input), std::string(field),
        "Member must satisfy regular expression pattern: " + std::string(pattern));
  return v.Error();
}

}  // namespace

bool IsValidFunctionName(std::string_view name) { return NameChars(name, 64); }

bool IsVersionNumber(std::string_view q) {
  if (q.empty() || q.size() > 18 || q[0] == '0') return false;
  for (char c : q) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsValidAliasName(std::string_view name) {
  if (!NameChars(name, 128)) return false;
  for (char c : name) {
    if (c < '0' || c > '9') return true;
  }
  return false;
}

bool IsValidQualifier(std::string_view q) { return q == kLatest || NameChars(q, 128); }

Result<FunctionRef, AwsError> ParseFunctionRef(std::string_view input, bool allow_qualifier,
                                               std::string_view field) {
  FunctionRef ref;
  std::vector<std::string_view> parts = SplitColon(input);
  size_t rest = 0;  // index of the name part
  if (input.size() > 170) {
    Violations v;
    v.MaxLength(std::string(input), 170, std::string(field));
    return v.Error();
  }
  if (parts[0] == "arn") {
    if (parts.size() < 7 || parts.size() > 8 || !parts[1].starts_with("aws") ||
        parts[2] != "lambda" || !IsRegion(parts[3]) || !Digits(parts[4], 12) ||
        parts[5] != "function") {
      return PatternError(input, field, kFunctionPattern);
    }
    ref.region = parts[3];
    ref.account = parts[4];
    rest = 6;
  } else if (parts.size() >= 3 && parts[1] == "function") {
    if (parts.size() > 4 || !Digits(parts[0], 12))
      return PatternError(input, field, kFunctionPattern);
    ref.account = parts[0];
    rest = 2;
  } else if (parts.size() > 2) {
    return PatternError(input, field, kFunctionPattern);
  }
  if (!IsValidFunctionName(parts[rest])) return PatternError(input, field, kFunctionPattern);
  ref.name = parts[rest];
  if (parts.size() > rest + 1) {
    if (!allow_qualifier || !IsValidQualifier(parts[rest + 1])) {
      return PatternError(input, field, kFunctionPattern);
    }
    ref.qualifier = parts[rest + 1];
  }
  return ref;
}

Result<FunctionRef, AwsError> ResolveFunctionRef(std::string_view input,
                                                 std::string_view qualifier_param,
                                                 const std::string& account,
                                                 const std::string& region) {
  auto ref = ParseFunctionRef(input);
  if (!ref.ok()) return ref;
  if (!qualifier_param.empty()) {
    if (!IsValidQualifier(qualifier_param)) {
      Violations v;
      v.Add(std::string(qualifier_param), "qualifier",
            "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)");
      return v.Error();
    }
    if (!ref->qualifier.empty() && ref->qualifier != qualifier_param) {
      return InvalidParam(
          "The derived qualifier from the function name does not match the specified qualifier.");
    }
    ref->qualifier = std::string(qualifier_param);
  }
  if ((!ref->account.empty() && ref->account != account) ||
      (!ref->region.empty() && ref->region != region)) {
    std::string arn =
        QualifiedArn(ref->region.empty() ? region : ref->region,
                     ref->account.empty() ? account : ref->account, ref->name, ref->qualifier);
    return FunctionNotFound(arn);
  }
  ref->account = account;
  ref->region = region;
  return ref;
}

std::string FunctionArn(const std::string& region, const std::string& account,
                        const std::string& name) {
  return MakeArn("lambda", Scope{account, region}, "function:" + name);
}

std::string QualifiedArn(const std::string& region, const std::string& account,
                         const std::string& name, const std::string& qualifier) {
  std::string arn = FunctionArn(region, account, name);
  if (!qualifier.empty()) arn += ":" + qualifier;
  return arn;
}

std::string LayerArn(const std::string& region, const std::string& account,
                     const std::string& name) {
  return MakeArn("lambda", Scope{account, region}, "layer:" + name);
}

Result<LayerVersionRef> ParseLayerVersionArn(std::string_view arn) {
  std::vector<std::string_view> p = SplitColon(arn);
  if (p.size() != 8 || p[0] != "arn" || !p[1].starts_with("aws") || p[2] != "lambda" ||
      !IsRegion(p[3]) || !Digits(p[4], 12) || p[5] != "layer" || !NameChars(p[6], 140) ||
      !IsVersionNumber(p[7])) {
    return Status::InvalidArgument("not a layer version ARN: " + std::string(arn));
  }
  LayerVersionRef ref{std::string(p[3]), std::string(p[4]), std::string(p[6]), 0};
  ref.version = std::stoll(std::string(p[7]));
  return ref;
}

Result<std::string, AwsError> ParseLayerName(std::string_view input, const std::string& account,
                                             const std::string& region) {
  std::vector<std::string_view> p = SplitColon(input);
  if (p.size() == 1 && NameChars(p[0], 140)) return std::string(p[0]);
  if (p.size() == 7 && p[0] == "arn" && p[2] == "lambda" && p[5] == "layer" &&
      NameChars(p[6], 140) && p[3] == region && p[4] == account) {
    return std::string(p[6]);
  }
  return PatternError(input, "layerName", kLayerPattern);
}

}  // namespace nimbus::lambda
