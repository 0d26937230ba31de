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
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + " min.";
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

Result<AuthContext, AuthFailure> Authenticator::Authenticate(const HttpRequest& request,
                                                             const EndpointScope& endpoint) const {
  auto verdict = AuthenticateHead(request, endpoint, /*body_unread=*/false);
  if (!verdict.ok()) return verdict.take_error();
  return std::move(verdict->context);
}

Result<HeadVerdict, AuthFailure> Authenticator::AuthenticateHead(const HttpRequest& request,
                                                                 const EndpointScope& endpoint,
                                                                 bool body_unread) const {
  if (strict_) {
    return AuthenticateStrict(
        request, [&endpoint](std::string_view) { return endpoint; }, body_unread);
  }
  return AuthenticateHead(request, EndpointOf(), body_unread);
}

Result<HeadVerdict, AuthFailure> Authenticator::AuthenticateHead(const HttpRequest& request,
                                                                 const EndpointOf& endpoint_of,
                                                                 bool body_unread) const {
  if (strict_) return AuthenticateStrict(request, endpoint_of, body_unread);
  auto context = AuthenticateOpen(request);
  if (!context.ok()) return context.take_error();
  return HeadVerdict{std::move(*context), false};
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
  // A presigned URL is good for X-Amz-Expires seconds after its date (0: not at all); without the
  // parameter, for the skew window.
  std::chrono::seconds window = options_.max_skew;
  bool expired = *signed_at < now - window;
  if (p.presigned && p.has_expires) {
    window = std::chrono::seconds(p.expires_seconds);
    expired = p.expires_seconds == 0 || now > *signed_at + window;
  }
  if (expired) {
    return AuthFailure{AuthFailureKind::kSignatureExpired,
                       SignatureExpiredMessage(p.amz_date, now, window),
                       {},
                       {}};
  }
  return std::nullopt;
}

Result<Credential, AuthFailure> Authenticator::FindCredential(const SigV4Request& p) const {
  std::optional<Credential> resolved;
  const Credential* cred = table_ ? table_->Find(p.access_key_id) : nullptr;
  if (cred == nullptr && resolver_) {
    resolved = resolver_(p.access_key_id);
    if (resolved) cred = &*resolved;
  }
  // AWS answers a token that is not the key's exactly as it answers an unknown key.
  if (cred == nullptr || !ConstantTimeEquals(p.security_token, cred->session_token)) {
    return AuthFailure{AuthFailureKind::kUnknownAccessKey, {}, {}, {}};
  }
  return resolved ? std::move(*resolved) : *cred;
}

Result<HeadVerdict, AuthFailure> Authenticator::AuthenticateStrict(const HttpRequest& request,
                                                                   const EndpointOf& endpoint_of,
                                                                   bool body_unread) const {
  auto parsed = ParseSigV4(request);
  if (!parsed.ok()) return parsed.take_error();
  SigV4Request& p = parsed.value();
  const EndpointScope endpoint = endpoint_of ? endpoint_of(p.service) : EndpointScope{};
  if (std::optional<AuthFailure> f = CheckScope(p, request, endpoint)) return std::move(*f);
  auto cred = FindCredential(p);
  if (!cred.ok()) return cred.take_error();
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
  bool pending = false;
  if (std::optional<std::string> declared = DeclaredPayloadHash(request, p)) {
    // The signature covers the declared hash: verify it now, the body against it later.
    if (std::optional<AuthFailure> f = VerifySignature(request, p, key, *declared)) {
      return std::move(*f);
    }
    if (IsSha256Hex(*declared)) {
      if (body_unread) {
        pending = true;
      } else if (PayloadSha256Hex(request) != *declared) {
        return AuthFailure{AuthFailureKind::kSignatureMismatch, {}, {}, {}};
      }
    }
  } else if (body_unread) {
    pending = true;  // the signature covers the body's hash
  } else if (std::optional<AuthFailure> f =
                 VerifySignature(request, p, key, PayloadSha256Hex(request))) {
    return std::move(*f);
  }
  return HeadVerdict{AuthContext{cred->account_id, std::move(p.access_key_id), std::move(p.region),
                                 std::move(p.service), p.presigned},
                     pending};
}

std::optional<AuthFailure> Authenticator::VerifyBody(const HttpRequest& request,
                                                     std::string_view body_sha256) const {
  if (!strict_) return std::nullopt;
  auto parsed = ParseSigV4(request);
  if (!parsed.ok()) return parsed.take_error();
  const SigV4Request& p = parsed.value();
  if (std::optional<std::string> declared = DeclaredPayloadHash(request, p)) {
    if (!IsSha256Hex(*declared)) return std::nullopt;  // unsigned payload, allowed at the head
    if (!ConstantTimeEquals(*declared, body_sha256)) {
      return AuthFailure{AuthFailureKind::kSignatureMismatch, {}, {}, {}};
    }
    return std::nullopt;
  }
  auto cred = FindCredential(p);
  if (!cred.ok()) return cred.take_error();
  const Sha256Digest& key = CachedSigningKey(cred->secret_access_key, p.date, p.region, p.service);
  return VerifySignature(request, p, key, body_sha256);
}

namespace {

bool ListsHost(std::string_view signed_headers) {
  while (!signed_headers.empty()) {
    size_t semi = signed_headers.find(';');
    if (EqualsIgnoreCase(signed_headers.substr(0, semi), "host")) return true;
    if (semi == std::string_view::npos) break;
    signed_headers.remove_prefix(semi + 1);
  }
  return false;
}

bool WellFormedRegion(std::string_view region) {
  if (region.empty() || region.size() > 64) return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// AWS's region names: a two-letter area, an optional partition part ("gov", "iso", "isob"),
// a direction and a number: "us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-4".
bool LooksLikeRegion(std::string_view label) {
  static constexpr std::string_view kDirections[] = {"east",      "west",      "north",
                                                     "south",     "central",   "northeast",
                                                     "northwest", "southeast", "southwest"};
  size_t first = label.find('-'), last = label.rfind('-');
  if (first != 2 || last == first || last + 1 == label.size()) return false;
  for (size_t i = 0; i < label.size(); ++i) {
    char c = label[i];
    bool ok = i > last ? (c >= '0' && c <= '9') : ((c >= 'a' && c <= 'z') || c == '-');
    if (!ok) return false;
  }
  std::string_view middle = label.substr(first + 1, last - first - 1);  // "gov-west", "east"
  if (size_t dash = middle.find('-'); dash != std::string_view::npos) {
    std::string_view partition = middle.substr(0, dash);
    if (partition != "gov" && !partition.starts_with("iso")) return false;
    middle.remove_prefix(dash + 1);
  }
  for (std::string_view d : kDirections) {
    if (middle == d) return true;
  }
  return false;
}

}  // namespace

std::string_view RegionNamedByHost(std::string_view host) {
  if (!host.empty() && host.front() == '[') return {};  // IPv6 literal
  host = host.substr(0, host.find(':'));
  while (!host.empty()) {
    size_t dot = host.find('.');
    std::string_view label = host.substr(0, dot);
    if (LooksLikeRegion(label)) return label;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return {};
}

std::optional<AuthFailure> CheckScope(const SigV4Request& p, const HttpRequest& request,
                                      const EndpointScope& endpoint) {
  if (!ListsHost(p.signed_headers)) {
    return AuthFailure{AuthFailureKind::kIncompleteSignature,
                       "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
                       {},
                       {}};
  }
  if (!endpoint.service.empty() && p.service != endpoint.service) {
    return AuthFailure{
        AuthFailureKind::kSignatureMismatch,
        "Credential should be scoped to correct service: '" + std::string(endpoint.service) + "'. ",
        {},
        {}};
  }
  if (!WellFormedRegion(p.region) || (!endpoint.region.empty() && p.region != endpoint.region)) {
    return AuthFailure{AuthFailureKind::kSignatureMismatch,
                       "Credential should be scoped to a valid region, not '" + p.region + "'. ",
                       {},
                       {}};
  }
  std::optional<std::string> declared = DeclaredPayloadHash(request, p);
  if (declared && !IsSha256Hex(*declared) && !endpoint.unsigned_payload) {
    // Only S3-style services take UNSIGNED-PAYLOAD (or streaming forms); any other service
    // signs the body's hash, which this value cannot be.
    return AuthFailure{AuthFailureKind::kSignatureMismatch, {}, {}, {}};
  }
  return std::nullopt;
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
