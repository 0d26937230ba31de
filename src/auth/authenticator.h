// Request authentication for every AWS API call.
//
// Open mode (default): any access key is accepted and signatures are not checked; the account
// is AccountForAccessKey(key) (12-digit key -> itself, else 000000000000). Only the
// Authorization header's credential scope is parsed (string_views, no crypto), so it is cheap
// enough for every request. Requests without SigV4 data, or with a non-SigV4 Authorization
// scheme (e.g. Bearer for the registry), are accepted as the default account and region.
//
// Strict mode: the access key must be in the credentials table (or known to the optional
// resolver), the signature must match, and X-Amz-Date must be within 15 minutes of the clock
// (presigned URLs: not older than X-Amz-Expires either).
//
// An Authenticator is immutable after construction and safe to use from any number of threads.
// Derived signing keys are cached per thread, keyed by (secret, date, region, service).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/credentials.h"
#include "auth/sigv4_parse.h"
#include "core/aws_error.h"
#include "core/clock.h"
#include "core/http.h"
#include "core/status.h"

namespace nimbus::auth {

// Who made a request, from its credential scope.
struct AuthContext {
  std::string account_id;
  std::string access_key_id;  // empty for anonymous requests (open mode)
  std::string region;         // credential scope region (default region when anonymous)
  std::string service;        // credential scope service ("lambda", "sts", ...); may be empty
  bool presigned = false;
};

// Looks up keys the static table lacks (e.g. STS-issued temporary credentials). Called
// concurrently from request threads: must be thread-safe. nullopt = unknown key.
using CredentialResolver = std::function<std::optional<Credential>(std::string_view key_id)>;

struct AuthenticatorOptions {
  std::string default_region = "us-east-1";  // for anonymous requests in open mode
  std::chrono::seconds max_skew{15 * 60};    // AWS's window for X-Amz-Date
};

class Authenticator {
 public:
  // Open mode. `clock` must outlive the authenticator.
  static Authenticator Open(const Clock& clock = SystemClock(), AuthenticatorOptions options = {});
  // Strict mode over `table`, consulting `resolver` (may be empty) for keys not in the table.
  static Authenticator Strict(CredentialsTable table, const Clock& clock = SystemClock(),
                              CredentialResolver resolver = {}, AuthenticatorOptions options = {});

  bool strict() const { return strict_; }

  // Authenticates `request`. Never throws, never asserts on request content.
  Result<AuthContext, AuthFailure> Authenticate(const HttpRequest& request) const;

 private:
  Authenticator(bool strict, const Clock& clock, AuthenticatorOptions options);
  Result<AuthContext, AuthFailure> AuthenticateOpen(const HttpRequest& request) const;
  Result<AuthContext, AuthFailure> AuthenticateStrict(const HttpRequest& request) const;
  std::optional<AuthFailure> CheckTime(const SigV4Request& parsed) const;

  bool strict_;
  const Clock* clock_;
  AuthenticatorOptions options_;
  std::shared_ptr<const CredentialsTable> table_;
  CredentialResolver resolver_;
};

// The AWS error for `failure` in a service's protocol. "query"/"ec2" (STS, SNS):
// SignatureDoesNotMatch, InvalidClientTokenId, MissingAuthenticationToken, IncompleteSignature.
// Anything else ("json", "rest-json", ...): InvalidSignatureException,
// UnrecognizedClientException, MissingAuthenticationTokenException,
// IncompleteSignatureException. Status 403, except 400 for incomplete signatures.
AwsError AuthErrorFor(const AuthFailure& failure, std::string_view protocol);

// "Signature expired: <amz_date> is now earlier than <now - window> (<now> - 15 min.)" and the
// "not yet current" counterpart, as AWS words them. `window` is printed in minutes when whole.
std::string SignatureExpiredMessage(std::string_view amz_date,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::seconds window);
std::string SignatureNotYetCurrentMessage(std::string_view amz_date,
                                          std::chrono::system_clock::time_point now,
                                          std::chrono::seconds window);

}  // namespace nimbus::auth
