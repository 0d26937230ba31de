#include "services/ecr/registry_auth.h"

#include <openssl/evp.h>

#include "core/ids.h"

namespace nimbus::ecr {

std::string Base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  while (!in.empty() && (in.back() == ' ' || in.back() == '\r' || in.back() == '\n')) {
    in.remove_suffix(1);
  }
  if (in.size() % 4 != 0 || in.size() > 64 * 1024) return std::nullopt;
  std::string out(3 * (in.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Result<RegistryAuth::Token> RegistryAuth::Issue(const Scope& ns) {
  std::string password = "nimbus" + RandomHex(64);
  int64_t expires = clock_.NowMillis() + kTokenLifetimeMs;
  Status st = repos_.PutToken(password, ns, expires);
  if (!st.ok()) return st;
  return Token{Base64Encode("AWS:" + password), expires};
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
    auto decoded = Base64Decode(header.substr(6));
    if (decoded) {
      size_t colon = decoded->find(':');
      if (colon != std::string::npos) ns = FromToken(std::string_view(*decoded).substr(colon + 1));
    }
  }
  if (ns || require_auth_) return ns;
  return Scope{"000000000000", "us-east-1"};
}

}  // namespace nimbus::ecr
