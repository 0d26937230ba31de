#include "services/ecr/registry_auth.h"

#include "core/ids.h"
#include "protocol/wire.h"

namespace nimbus::ecr {

Result<RegistryAuth::Token> RegistryAuth::Issue(const Scope& ns) {
  std::string password = "nimbus" + RandomHex(64);
  int64_t expires = clock_.NowMillis() + kTokenLifetimeMs;
  Status st = repos_.PutToken(password, ns, expires);
  if (!st.ok()) return st;
  return Token{wire::Base64Encode("AWS:" + password), expires};
}

std::optional<Scope> RegistryAuth::FromToken(std::string_view password) {
  auto ns = repos_.LookupToken(std::string(password), clock_.NowMillis());
  if (!ns.ok() || !*ns) return std::nullopt;
  return **ns;
}

std::optional<Scope> RegistryAuth::Authorize(const HttpRequest& request) {
  std::optional<Scope> ns;
  std::string_view header = request.headers.Get("Authorization");
  if (header.size() > 6 && EqualsIgnoreCase(header.substr(0, 6), "basic ")) {
    auto decoded = wire::Base64Decode(header.substr(6));
    if (decoded) {
      size_t colon = decoded->find(':');
      if (colon != std::string::npos) ns = FromToken(std::string_view(*decoded).substr(colon + 1));
    }
  }
  if (ns || require_auth_) return ns;
  return Scope{"000000000000", "us-east-1"};
}

}  // namespace nimbus::ecr
