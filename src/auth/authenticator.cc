#include "auth/authenticator.h"

#include <array>
#include <utility>

#include "auth/sigv4_sign.h"

namespace nimbus::auth {
namespace {

// Per-thread cache of derived signing keys: deriving costs four HMACs per request otherwise.
const Sha256Digest& CachedSigningKey(std::string_view secret, std::string_view date,
                                     std::string_view region, std::string_view service) {
  struct Entry {
    std::string id;
    Sha256Digest key{};
  };
  thread_local std::array<Entry, 8> cache;
  thread_local size_t next = 0;
  std::string id;
  id.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
  id.append(secret).append("\n").append(date).append("\n").append(region).append("\n");
  id.append(service);
  for (const Entry& e : cache) {
    if (e.id == id) return e.key;
  }
  Entry& slot = cache[next];
  next = (next + 1) % cache.size();
  slot.key = DeriveSigningKey(secret, date, region, service);
  slot.id = std::move(id);
  return slot.key;
}

std::string WindowText(std::chrono::seconds window) {
  int64_t s = window.count();
  if (s % 60 == 0) return std::to_string(s / 60) + " min.";
  return std::to_string(s) + " sec.";
}

}  // namespace

Authenticator::Authenticator(bool strict, const Clock& clock, AuthenticatorOptions options)
    : strict_(strict), clock_(&clock), options_(std::move(options)) {}

Authenticator Authenticator::Open(const Clock& clock, AuthenticatorOptions options) {
  return Authenticator(false, clock, std::move(options));
}

Authenticator Authenticator::Strict(CredentialsTable table, const Clock& clock,
                                    CredentialResolver resolver, AuthenticatorOptions options) {
  Authenticator a(true, clock, std::move(options));
  a.table_ = std::make_shared<const CredentialsTable>(std::move(table));
  a.resolver_ = std::move(resolver);
  return a;
}

Result<AuthContext, AuthFailure> Authenticator::Authenticate(const HttpRequest& request) const {
  return strict_ ? AuthenticateStrict(request) : AuthenticateOpen(request);
}

Result<AuthContext, AuthFailure> Authenticator::AuthenticateOpen(const HttpRequest& request) const {
  std::string_view authorization = request.headers.Get("Authorization");
  if (!authorization.empty() && IsSigV4Authorization(authorization)) {
    auto parsed = ParseAuthorizationHeader(authorization);
    if (!parsed.ok()) return parsed.take_error();
    const CredentialScope& s = parsed->scope;
    return AuthContext{AccountForAccessKey(s.access_key_id), std::string(s.access_key_id),
                       std::string(s.region), std::string(s.service), false};
  }
  if (authorization.empty() && HasPresignedQuery(request.query)) {
    auto parsed = ParseSigV4(request);
    if (!parsed.ok()) return parsed.take_error();
    SigV4Request& p = parsed.value();
    return AuthContext{AccountForAccessKey(p.access_key_id), std::move(p.access_key_id),
                       std::move(p.region), std::move(p.service), true};
  }
  return AuthContext{std::string(kDefaultAccountId), {}, options_.default_region, {}, false};
}

std::optional<AuthFailure> Authenticator::CheckTime(const SigV4Request& p) const {
  auto signed_at = ParseAmzDate(p.amz_date);
  if (!signed_at) {
    return AuthFailure{AuthFailureKind::kIncompleteSignature,
                       "Date must be in ISO-8601 'basic format'. Got '" + p.amz_date + "'.",
                       {},
                       {}};
  }
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_->Now());
  if (*signed_at > now + options_.max_skew) {
    return AuthFailure{AuthFailureKind::kSignatureNotYetCurrent,
                       SignatureNotYetCurrentMessage(p.amz_date, now, options_.max_skew),
                       {},
                       {}};
  }
  std::chrono::seconds window = options_.max_skew;
  if (p.presigned && p.expires_seconds > 0) window = std::chrono::seconds(p.expires_seconds);
  if (*signed_at < now - window) {
    return AuthFailure{AuthFailureKind::kSignatureExpired,
                       SignatureExpiredMessage(p.amz_date, now, window),
                       {},
                       {}};
  }
  return std::nullopt;
}

Result<AuthContext, AuthFailure> Authenticator::AuthenticateStrict(
    const HttpRequest& request) const {
  auto parsed = ParseSigV4(request);
  if (!parsed.ok()) return parsed.take_error();
  SigV4Request& p = parsed.value();
  std::optional<Credential> resolved;
  const Credential* cred = table_ ? table_->Find(p.access_key_id) : nullptr;
  if (cred == nullptr && resolver_) {
    resolved = resolver_(p.access_key_id);
    if (resolved) cred = &*resolved;
  }
  if (cred == nullptr) return AuthFailure{AuthFailureKind::kUnknownAccessKey, {}, {}, {}};
  if (std::optional<AuthFailure> f = CheckTime(p)) return std::move(*f);
  if (!p.presigned && p.amz_date.compare(0, 8, p.date) != 0) {
    return AuthFailure{AuthFailureKind::kSignatureMismatch,
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                       "date from HTTP: '" +
                           p.date + "' != '" + p.amz_date.substr(0, 8) + "', from '" + p.amz_date +
                           "'.",
                       {},
                       {}};
  }
  const Sha256Digest& key = CachedSigningKey(cred->secret_access_key, p.date, p.region, p.service);
  if (std::optional<AuthFailure> f = VerifySignature(request, p, key)) return std::move(*f);
  return AuthContext{cred->account_id, std::move(p.access_key_id), std::move(p.region),
                     std::move(p.service), p.presigned};
}

std::string SignatureExpiredMessage(std::string_view amz_date,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::seconds window) {
  return "Signature expired: " + std::string(amz_date) + " is now earlier than " +
         FormatAmzDate(now - window) + " (" + FormatAmzDate(now) + " - " + WindowText(window) + ")";
}

std::string SignatureNotYetCurrentMessage(std::string_view amz_date,
                                          std::chrono::system_clock::time_point now,
                                          std::chrono::seconds window) {
  return "Signature not yet current: " + std::string(amz_date) + " is still later than " +
         FormatAmzDate(now + window) + " (" + FormatAmzDate(now) + " + " + WindowText(window) + ")";
}

AwsError AuthErrorFor(const AuthFailure& f, std::string_view protocol) {
  const bool query = protocol == "query" || protocol == "ec2";
  auto pick = [&](std::string_view q, std::string_view j) { return std::string(query ? q : j); };
  auto message = [&](std::string_view fixed) {
    return f.message.empty() ? std::string(fixed) : f.message;
  };
  switch (f.kind) {
    case AuthFailureKind::kMissingAuthentication:
      return AwsError(
          pick("MissingAuthenticationToken", "MissingAuthenticationTokenException"),
          query ? "Request is missing Authentication Token" : "Missing Authentication Token", 403);
    case AuthFailureKind::kIncompleteSignature:
      return AwsError(pick("IncompleteSignature", "IncompleteSignatureException"),
                      message("The request signature does not conform to AWS standards."), 400);
    case AuthFailureKind::kUnknownAccessKey:
      return AwsError(pick("InvalidClientTokenId", "UnrecognizedClientException"),
                      "The security token included in the request is invalid.", 403);
    case AuthFailureKind::kSignatureMismatch:
      return AwsError(pick("SignatureDoesNotMatch", "InvalidSignatureException"),
                      message("The request signature we calculated does not match the signature "
                              "you provided. Check your AWS Secret Access Key and signing method. "
                              "Consult the service documentation for details."),
                      403);
    case AuthFailureKind::kSignatureExpired:
    case AuthFailureKind::kSignatureNotYetCurrent:
      return AwsError(pick("SignatureDoesNotMatch", "InvalidSignatureException"),
                      message("Signature expired"), 403);
  }
  return AwsError(pick("SignatureDoesNotMatch", "InvalidSignatureException"), "Unauthorized", 403);
}

}  // namespace nimbus::auth
