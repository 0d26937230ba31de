#include "auth/credential_issuer.h"

#include <array>
#include <cstdint>

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

IssuedCredential CredentialIssuer::Issue(std::string_view account_id,
                                         std::chrono::seconds lifetime) {
  IssuedCredential out;
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
  std::lock_guard<std::mutex> lock(mu_);
  auto it = issued_.find(std::string(access_key_id));
  if (it == issued_.end() || it->second.expiration <= clock_.Now()) return std::nullopt;
  return it->second.credential;
}

void CredentialIssuer::Revoke(std::string_view access_key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  issued_.erase(std::string(access_key_id));
}

}  // namespace nimbus::auth
