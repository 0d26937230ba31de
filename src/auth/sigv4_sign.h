// SigV4 canonicalization, signing and verification, byte-for-byte as botocore's SigV4Auth and
// SigV4QueryAuth build them (botocore/auth.py). Pure functions: thread-safe, never fail.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/crypto.h"
#include "auth/sigv4_parse.h"
#include "core/http.h"

namespace nimbus::auth {

inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// Canonical URI. For every service but s3: dot segments removed and runs of '/' collapsed
// (botocore normalize_url_path), then everything but RFC 3986 unreserved characters and '/' is
// percent-encoded, so an already-encoded "%3A" becomes "%253A" (AWS double-encodes). For s3 the
// path is used exactly as received. An empty path is "/".
std::string CanonicalPath(std::string_view raw_path, bool s3);

// Canonical query: each name and value percent-decoded then re-encoded (unreserved kept), pairs
// sorted by name then value, joined with '&'. Empty segments are dropped. With
// skip_signature, X-Amz-Signature is left out (presigned URLs).
std::string CanonicalQuery(std::string_view raw_query, bool skip_signature);
// The canonical query botocore computes from a URL: raw pairs as sent, sorted, not re-encoded.
// Equal to CanonicalQuery whenever the client sent a canonically encoded query.
std::string CanonicalQueryAsSent(std::string_view raw_query, bool skip_signature);

// "name:value\n" for each ';'-separated name in signed_headers (lower-cased), values of every
// header with that name trimmed, inner whitespace runs collapsed and joined with ','. A signed
// header the request lacks yields "name:\n".
std::string CanonicalHeaders(const HttpHeaders& headers, std::string_view signed_headers);

// Joins the six canonical-request lines. `signed_headers` is lower-cased here.
std::string CanonicalRequest(std::string_view method, std::string_view canonical_path,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<amz_date>\n<date>/<region>/<service>/aws4_request\n<hex sha256(cr)>".
std::string StringToSign(std::string_view amz_date, std::string_view date, std::string_view region,
                         std::string_view service, std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date,
                              std::string_view region, std::string_view service);

// Hex HMAC(signing_key, string_to_sign).
std::string SignatureHex(const Sha256Digest& signing_key, std::string_view string_to_sign);

// The payload hash a client put in the canonical request of `request`, as far as the head tells:
// the X-Amz-Content-SHA256 value when sent; UNSIGNED-PAYLOAD for a presigned s3 request;
// otherwise nullopt (the hex SHA-256 of the body, which the caller computes).
std::optional<std::string> DeclaredPayloadHash(const HttpRequest& request,
                                               const SigV4Request& parsed);

// The lower-case hex SHA-256 of `request`'s body: HttpRequest::body_sha256 when the server
// computed it as the body arrived, else hashed now.
std::string PayloadSha256Hex(const HttpRequest& request);

// True when `s` is 64 lower-case hex digits (a SHA-256 as SigV4 writes it).
bool IsSha256Hex(std::string_view s);

// Checks `parsed` (from ParseSigV4(request)) against `signing_key`, derived for parsed's scope
// with the caller's secret, with `payload_hash` as the canonical request's last line. Tries the
// canonical query forms real clients produce (re-encoded, then as sent). Returns nullopt on a
// match, otherwise a kSignatureMismatch failure carrying the canonical request and string to
// sign of the first form (for logs).
std::optional<AuthFailure> VerifySignature(const HttpRequest& request, const SigV4Request& parsed,
                                           const Sha256Digest& signing_key,
                                           std::string_view payload_hash);
// The same with the payload hash taken from the request: DeclaredPayloadHash, else the hash of
// request.body.
std::optional<AuthFailure> VerifySignature(const HttpRequest& request, const SigV4Request& parsed,
                                           const Sha256Digest& signing_key);

// Client side, for tests and tools.
struct SigningParams {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
  std::string service;
  std::string amz_date;        // yyyymmddThhmmssZ
  std::string security_token;  // optional
};

// Signs `request` in header form like botocore: sets X-Amz-Date (and X-Amz-Security-Token),
// signs every header present except Authorization/User-Agent and other hop-by-hop ones, and
// sets Authorization. A Host header must already be present to be signed.
void SignRequest(HttpRequest& request, const SigningParams& params);

// Presigns `request` like SigV4QueryAuth: appends X-Amz-* query parameters (signed headers =
// "host") and X-Amz-Signature to request.query and updates request.target.
void PresignRequest(HttpRequest& request, const SigningParams& params, int64_t expires_seconds);

}  // namespace nimbus::auth
