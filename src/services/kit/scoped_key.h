// Keys for per-scope state a service keeps in memory (maps of functions, queues, tasks), built
// in one place: ScopedKey(scope, name) never collides across scopes (an account or a region
// holds no '\n'), and a scope's keys sort together in name order, so a scan from
// ScopedKey(scope, "") (or from ScopedKey(scope, prefix)) while keys start with it walks that
// scope's entries. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "services/kit/scope.h"

namespace nimbus {

inline std::string ScopedKey(const Scope& scope, std::string_view name) {
  std::string key;
  key.reserve(scope.account.size() + scope.region.size() + name.size() + 2);
  key.append(scope.account).push_back('\n');
  key.append(scope.region).push_back('\n');
  key.append(name);
  return key;
}

}  // namespace nimbus
