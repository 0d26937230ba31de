// Temporary credentials nimbus issues itself: to Lambda execution environments and ECS tasks
// (what AWS gives them from their roles), so that their SDK calls back to nimbus authenticate
// in strict mode as in open mode, in their own account.
//
// A key id is "LSIA" + 16 base32 characters carrying the account (the layout of AWS's key ids,
// which AccountForAccessKey reads), so open mode maps it to its account without a lookup; the
// secret and the session token are random. Strict mode accepts an issued credential until it
// expires (Authenticator's CredentialResolver: Find). Issued credentials live in memory only:
// what holds them (an environment, a task) does not outlive the process either.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/credentials.h"
#include "core/clock.h"
#include "core/ids.h"

namespace nimbus::auth {

// Who an issued credential acts as, for GetCallerIdentity: e.g. an assumed role's session
// ("arn:aws:sts::<account>:assumed-role/<role>/<session>", "AROA...:<session>"). Empty: the
// account's root.
struct Principal {
  std::string arn;
  std::string user_id;
};

struct IssuedCredential {
  Credential credential;  // access_key_id, secret_access_key, session_token, account_id
  std::chrono::system_clock::time_point expiration;
  Principal principal;
};

// Thread-safe. `clock` and `random` must outlive the issuer.
class CredentialIssuer {
 public:
  explicit CredentialIssuer(const Clock& clock, RandomSource& random = SystemRandom())
      : clock_(clock), random_(random) {}

  // New credentials of `account_id` (12 digits) valid for `lifetime`, acting as `principal`.
  // Forgets expired ones.
  IssuedCredential Issue(std::string_view account_id, std::chrono::seconds lifetime,
                         Principal principal = {});
  // The unexpired credential of `access_key_id`, if this issuer issued it.
  std::optional<Credential> Find(std::string_view access_key_id) const;
  // The same with its expiration and principal.
  std::optional<IssuedCredential> Lookup(std::string_view access_key_id) const;
  // Forgets `access_key_id` at once (its holder is gone).
  void Revoke(std::string_view access_key_id);

 private:
  const Clock& clock_;
  RandomSource& random_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, IssuedCredential> issued_;
};

// What nimbus gives a function or task when it has no issuer (in-process harnesses): the
// account id as the key, secret and token "nimbus"; open mode accepts it, strict mode refuses it.
Credential AccountKeyCredential(std::string_view account_id);

// The key id layout: "LSIA" + base32 of 10 bytes whose first 6 hold `account_id` (bits 7..46)
// and `random` bits elsewhere. AccountForAccessKey(KeyIdForAccount(a, r)) == a.
std::string KeyIdForAccount(std::string_view account_id, RandomSource& random);

// The principal of session `session` of role `role_arn` ("arn:aws:iam::<account>:role/<path/>
// <name>"): Arn "arn:aws:sts::<account>:assumed-role/<name>/<session>" and UserId
// "AROA<17 characters fixed for the role>:<session>", as STS shows an assumed role.
// Nullopt when role_arn is not an IAM role ARN.
std::optional<Principal> AssumedRolePrincipal(std::string_view role_arn, std::string_view session);

}  // namespace nimbus::auth
