// Registry credentials: the tokens GetAuthorizationToken hands out (base64 "AWS:<password>",
// valid 12 hours, stored in SQLite so they survive restarts) and the check of /v2/ requests.
//
// Open mode (require_auth=false): a request without credentials, or with credentials nimbus did
// not issue, acts in the default namespace (000000000000, us-east-1); a valid token acts in its
// own account and region. Strict mode: /v2/ requires `Authorization: Basic <token>` with a
// valid token, and the token reaches only its own account and region.
//
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/http.h"
#include "services/ecr/repo_store.h"

namespace nimbus::ecr {

inline constexpr int64_t kTokenLifetimeMs = 12LL * 3600 * 1000;

class RegistryAuth {
 public:
  RegistryAuth(RepoStore& repos, const Clock& clock, bool require_auth)
      : repos_(repos), clock_(clock), require_auth_(require_auth) {}

  struct Token {
    std::string authorization_token;  // base64("AWS:<password>")
    int64_t expires_ms = 0;
  };
  // Issues a token for `ns`.
  Result<Token> Issue(const Scope& ns);
  // The namespace a /v2/ request acts in; nullopt = unauthorized (strict mode only).
  std::optional<Scope> Authorize(const HttpRequest& request);
  bool require_auth() const { return require_auth_; }

 private:
  std::optional<Scope> FromToken(std::string_view password);

  RepoStore& repos_;
  const Clock& clock_;
  bool require_auth_;
};

}  // namespace nimbus::ecr
