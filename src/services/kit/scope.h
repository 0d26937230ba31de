// Scope: the account and region every AWS resource lives in, the key under which every
// service's store keeps per-account state (SigV4 gives both; a global service such as IAM uses
// an empty region). Value type.
#pragma once

#include <string>

#include "protocol/call.h"

namespace nimbus {

struct Scope {
  std::string account;  // 12 digits
  std::string region;   // e.g. "us-east-1"
  bool operator==(const Scope&) const = default;
};

// The caller's scope.
inline Scope ScopeOf(const CallContext& call) { return Scope{call.account_id, call.region}; }

}  // namespace nimbus
