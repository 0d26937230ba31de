// Request authentication for every AWS API call.
//
// Open mode (default): any access key is accepted and signatures are not checked; the account
// is AccountForAccessKey(key) (12-digit key -> itself, else 000000000000). Only the
// Authorization header's credential scope is parsed (string_views, no crypto), so it is cheap
// enough for every request. Requests without SigV4 data, or with a non-SigV4 Authorization
// scheme (e.g. Bearer for the registry), are accepted as the default account and region.
//
// Strict mode, as AWS verifies: `host` must be signed; the credential scope must name the
// service (and the region, when the Host names one) the request was routed to; the access key
// must be in the credentials table (or known to the optional resolver); a session token must be
// the one issued with the key (long-term keys take none); X-Amz-Date must be within 15 minutes
// of the clock (presigned URLs: X-Amz-Expires 1..604800 and not past it); the signature must
// match; and the body must hash to what was signed (X-Amz-Content-SHA256 when sent, which only
// S3-style services may set to UNSIGNED-PAYLOAD). Everything but the body's hash is checked from
// the head alone (AuthenticateHead), so a request the head proves invalid is refused before any
// of its body is read.
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

// What the endpoint a request was routed to requires of its credential scope (strict mode).
struct EndpointScope {
  std::string_view service;       // the routed service's signing name; "" = not checked
  std::string_view region;        // the region the Host names; "" = any well-formed region
  bool unsigned_payload = false;  // UNSIGNED-PAYLOAD allowed (S3-style services only)
};

// What the head of a request proved.
struct HeadVerdict {
  AuthContext context;
  // Strict mode: the signature or the declared payload hash covers a body not read yet. Call
  // VerifyBody with the body's hash before acting on the request.
  bool body_pending = false;
};

class Authenticator {
 public:
  // Open mode. `clock` must outlive the authenticator.
  static Authenticator Open(const Clock& clock = SystemClock(), AuthenticatorOptions options = {});
  // Strict mode over `table`, consulting `resolver` (may be empty) for keys not in the table.
  static Authenticator Strict(CredentialsTable table, const Clock& clock = SystemClock(),
                              CredentialResolver resolver = {}, AuthenticatorOptions options = {});

  bool strict() const { return strict_; }

  // Authenticates `request` with its body in request.body. Never throws, never asserts on
  // request content.
  Result<AuthContext, AuthFailure> Authenticate(const HttpRequest& request,
                                                const EndpointScope& endpoint = {}) const;
  // Checks everything the head of `request` can tell. With `body_unread`, request.body is not
  // the body yet: a verdict with body_pending asks for VerifyBody once it is read.
  Result<HeadVerdict, AuthFailure> AuthenticateHead(const HttpRequest& request,
                                                    const EndpointScope& endpoint,
                                                    bool body_unread) const;
  // The endpoint a request goes to, from its credential-scope service.
  using EndpointOf = std::function<EndpointScope(std::string_view scope_service)>;
  // AuthenticateHead with the endpoint looked up from the scope as it is parsed (one parse for
  // routing and verifying): `endpoint_of` is called once, as soon as the scope is known; not at
  // all in open mode or when the SigV4 data does not parse.
  Result<HeadVerdict, AuthFailure> AuthenticateHead(const HttpRequest& request,
                                                    const EndpointOf& endpoint_of,
                                                    bool body_unread) const;
  // After AuthenticateHead returned body_pending: checks the body whose lower-case hex SHA-256
  // is `body_sha256` against the signature or the declared payload hash. nullopt = valid.
  std::optional<AuthFailure> VerifyBody(const HttpRequest& request,
                                        std::string_view body_sha256) const;

 private:
  Authenticator(bool strict, const Clock& clock, AuthenticatorOptions options);
  Result<AuthContext, AuthFailure> AuthenticateOpen(const HttpRequest& request) const;
  Result<HeadVerdict, AuthFailure> AuthenticateStrict(const HttpRequest& request,
                                                      const EndpointOf& endpoint_of,
                                                      bool body_unread) const;
  // The credential of parsed's key (table, then resolver); kUnknownAccessKey when unknown,
  // and when the session token is not the one issued with it.
  Result<Credential, AuthFailure> FindCredential(const SigV4Request& parsed) const;
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

// Strict checks of a parsed request that need neither key nor clock: `host` signed, the scope's
// service and region as the endpoint requires, the payload-hash header allowed. nullopt = ok.
std::optional<AuthFailure> CheckScope(const SigV4Request& parsed, const HttpRequest& request,
                                      const EndpointScope& endpoint);

// The region a Host header names ("lambda.eu-west-1.amazonaws.com" -> "eu-west-1"); "" when it
// names none (localhost, an IP address, a global endpoint).
std::string_view RegionNamedByHost(std::string_view host);

// "Signature expired: <amz_date> is now earlier than <now - window> (<now> - 15 min.)" and the
// "not yet current" counterpart, as AWS words them. `window` is printed in minutes when whole.
std::string SignatureExpiredMessage(std::string_view amz_date,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::seconds window);
std::string SignatureNotYetCurrentMessage(std::string_view amz_date,
                                          std::chrono::system_clock::time_point now,
                                          std::chrono::seconds window);

}  // namespace nimbus::auth
