// ARNs, built and parsed in one place: arn:<partition>:<service>:<region>:<account>:<resource>.
// nimbus's partition is always "aws". Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "services/kit/scope.h"

namespace nimbus {

// "arn:aws:<service>:<scope.region>:<scope.account>:<resource>", e.g. MakeArn("ecr", scope,
// "repository/web"). A global service passes an empty region ("arn:aws:iam::<account>:root").
std::string MakeArn(std::string_view service, const Scope& scope, std::string_view resource);

struct Arn {
  std::string partition, service;
  Scope scope;
  std::string resource;  // everything after the fifth ':' (may itself hold ':' and '/')
};

// The parts of `text`; nullopt unless it starts with "arn:" and has at least six ':'-separated
// fields with non-empty partition, service and resource.
std::optional<Arn> ParseArn(std::string_view text);

}  // namespace nimbus
