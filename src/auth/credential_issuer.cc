#include "auth/credential_issuer.h"

#include <array>
#include <cstdint>

#include "auth/crypto.h"

namespace nimbus::auth {

std::string KeyIdForAccount(std::string_view account_id, RandomSource& random) {
  uint64_t account = 0;
  for (char c : account_id) account = account * 10 + static_cast<uint64_t>(c - '0');
  const uint64_t r = random.Next();
  // 80 bits: the top 48 are (account << 7 | 7 random bits), the low 32 random.
  const uint64_t first6 = ((account << 7) | (r & 0x7f)) & 0x7fffffffffffULL;
  const uint64_t low32 = (r >> 8) & 0xffffffffULL;
  std::array<uint8_t, 10> bytes{};
  for (int i = 0; i < 6; ++i) bytes[static_cast<size_t>(i)] = (first6 >> (8 * (5 - i))) & 0xff;
  for (int i = 0; i < 4; ++i) bytes[static_cast<size_t>(6 + i)] = (low32 >> (8 * (3 - i))) & 0xff;
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string key = "LSIA";
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      key += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return key;  // 4 + 16 characters, as AWS's key ids
}

std::optional<Principal> AssumedRolePrincipal(std::string_view role_arn,
                                              std::string_view session) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!role_arn.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = role_arn.substr(kPrefix.size());
  const size_t colon = rest.find(':');
  if (colon != 12 || rest.substr(0, 12).find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view account = rest.substr(0, 12), resource = rest.substr(13);
  if (!resource.starts_with("role/") || resource.size() == 5 || resource.back() == '/') {
    return std::nullopt;
  }
  std::string_view name = resource.substr(resource.rfind('/') + 1);
  // A role's unique id is fixed for the role: here derived from its ARN.
  const Sha256Digest digest = Sha256(role_arn);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id = "AROA";
  for (size_t i = 0; i < 17; ++i) id += kAlphabet[digest[i] & 31];
  Principal p;
  p.arn = "arn:aws:sts::" + std::string(account) + ":assumed-role/" + std::string(name) + "/" +
          std::string(session);
  p.user_id = id + ":" + std::string(session);
  return p;
}

Credential AccountKeyCredential(std::string_view account_id) {
  return {std::string(account_id), "nimbus", std::string(account_id), "nimbus"};
}

IssuedCredential CredentialIssuer::Issue(std::string_view account_id,
                                         std::chrono::seconds lifetime, Principal principal) {
  IssuedCredential out;
  out.principal = std::move(principal);
  out.credential.account_id = std::string(account_id);
  out.credential.secret_access_key = RandomHex(40, random_);
  out.credential.session_token = "IQoJnimbus" + RandomHex(96, random_);
  const auto now = clock_.Now();
  out.expiration = now + lifetime;
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(issued_, [&](const auto& kv) { return kv.second.expiration <= now; });
  do {
    out.credential.access_key_id = KeyIdForAccount(account_id, random_);
  } while (issued_.contains(out.credential.access_key_id));
  issued_.emplace(out.credential.access_key_id, out);
  return out;
}

std::optional<Credential> CredentialIssuer::Find(std::string_view access_key_id) const {
  auto issued = Lookup(access_key_id);
  if (!issued) return std::nullopt;
  return std::move(issued->credential);
}

std::optional<IssuedCredential> CredentialIssuer::Lookup(std::string_view access_key_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = issued_.find(std::string(access_key_id));
  if (it == issued_.end() || it->second.expiration <= clock_.Now()) return std::nullopt;
  return it->second;
}

void CredentialIssuer::Revoke(std::string_view access_key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  issued_.erase(std::string(access_key_id));
}

}  // namespace nimbus::auth
