// Static credentials for strict mode: `--credentials FILE` with one
// `ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID` per line ('#' starts a comment, blank lines ok).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace nimbus::auth {

struct Credential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;  // 12 digits
  // Temporary credentials only: the session token requests must carry (X-Amz-Security-Token).
  // Empty for long-term keys, which no request may present a token with.
  std::string session_token;
};

// Immutable lookup table access key id -> credential. Thread-safe for concurrent reads.
class CredentialsTable {
 public:
  CredentialsTable() = default;
  // Adds a credential; AlreadyExists when the access key id is already present.
  Status Add(Credential credential);
  // The credential for `access_key_id`, or nullptr. The pointer lives as long as the table.
  const Credential* Find(std::string_view access_key_id) const;
  size_t size() const { return by_key_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Credential, Hash, std::equal_to<>> by_key_;
};

// Parses credentials text. InvalidArgument listing every malformed line as
// "<source>:<line>: <problem>" (wrong field count, account id not 12 digits, duplicate key).
Result<CredentialsTable> ParseCredentials(std::string_view text, std::string_view source);

// Reads and parses a credentials file. IoError when it cannot be read.
Result<CredentialsTable> LoadCredentialsFile(const std::string& path);

// The account a key belongs to in open mode (LocalStack's convention): a 12-digit key id is the
// account id; LSIA/LKIA keys carry the account in their base32 body (AWS key-id layout); any
// other key maps to 000000000000.
std::string AccountForAccessKey(std::string_view access_key_id);

inline constexpr std::string_view kDefaultAccountId = "000000000000";

}  // namespace nimbus::auth
