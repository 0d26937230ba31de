// SHA-256 and HMAC-SHA256 over OpenSSL, as SigV4 needs them. Pure functions: thread-safe,
// no allocation beyond the returned strings, never fail on any input (OpenSSL failures of the
// built-in default provider are treated as impossible and yield an all-zero digest).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nimbus::auth {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data`.
Sha256Digest Sha256(std::string_view data);
// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256(key, data) per RFC 2104.
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
// Lower-case hex of `digest`.
std::string HexEncode(const Sha256Digest& digest);
// Byte view of a digest, for chaining HMACs.
inline std::string_view AsView(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}
// SHA-256 fed piece by piece (a body as it arrives). Not thread-safe; not copyable.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  // Lower-case hex of the digest of everything fed; call once, after the last Update.
  std::string FinishHex();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

// Equality that takes the same time for every pair of equal-length inputs.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace nimbus::auth
