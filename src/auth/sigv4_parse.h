// Parsing of AWS Signature Version 4 data carried by a request: the `Authorization` header
// (`AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=...,
// Signature=...`) or presigned query parameters (X-Amz-Algorithm, X-Amz-Credential, ...).
//
// All functions are pure and thread-safe. They never assert on input: any byte sequence yields
// either a value or an AuthFailure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/http.h"
#include "core/status.h"

namespace nimbus::auth {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kSigV4Terminator = "aws4_request";

// Why a request failed authentication. AuthErrorFor (authenticator.h) turns it into the AWS
// error of the service's protocol.
enum class AuthFailureKind {
  kMissingAuthentication,   // no Authorization header and no presigned query parameters
  kIncompleteSignature,     // SigV4 data present but malformed or incomplete
  kUnknownAccessKey,        // strict mode: access key id not in the credentials table
  kSignatureMismatch,       // signature differs from the one computed with the secret key
  kSignatureExpired,        // X-Amz-Date older than the skew window / presigned URL expired
  kSignatureNotYetCurrent,  // X-Amz-Date later than now + skew window
};

// A failure as a value. `message` carries the AWS-worded detail when the kind's message depends
// on the request (incomplete, expired, scope mismatch); empty means "the kind's fixed message".
struct AuthFailure {
  AuthFailureKind kind = AuthFailureKind::kMissingAuthentication;
  std::string message;
  // For kSignatureMismatch: what the server computed, for debug logging only (never returned
  // to clients by AuthErrorFor).
  std::string canonical_request;
  std::string string_to_sign;
};

// Credential "AKID/20150830/us-east-1/iam/aws4_request" split into views of the input. The
// access key id is everything before the last four '/'-separated parts.
struct CredentialScope {
  std::string_view access_key_id;
  std::string_view date;  // yyyymmdd
  std::string_view region;
  std::string_view service;
  std::string_view terminator;  // "aws4_request" when well formed
};

// Splits a credential; nullopt unless it has an access key and four non-empty scope parts.
std::optional<CredentialScope> SplitCredential(std::string_view credential);

// The components of an Authorization header, as views into the header value (fast path: no
// allocation on success).
struct AuthorizationHeader {
  std::string_view credential;
  std::string_view signed_headers;  // "host;x-amz-date"
  std::string_view signature;
  CredentialScope scope;
};

// True when `value` starts with the SigV4 algorithm name (so it is meant as SigV4).
bool IsSigV4Authorization(std::string_view value);

// Parses an Authorization header value. Fails with kIncompleteSignature (AWS-worded message)
// when the scheme is not AWS4-HMAC-SHA256 or a component is missing or malformed. The message
// does not mention a missing date; ParseSigV4 checks that.
Result<AuthorizationHeader, AuthFailure> ParseAuthorizationHeader(std::string_view value);

// True when the raw query string carries presigned-URL SigV4 parameters.
bool HasPresignedQuery(std::string_view raw_query);

// Everything SigV4 data says about a request, owned.
struct SigV4Request {
  std::string access_key_id;
  std::string date;  // credential scope date, yyyymmdd
  std::string region;
  std::string service;
  std::string signed_headers;  // as sent: lower-case names joined with ';'
  std::string signature;       // hex, as sent
  std::string amz_date;        // yyyymmddThhmmssZ (from X-Amz-Date, or converted from Date)
  std::string security_token;  // X-Amz-Security-Token (header or query), may be empty
  bool presigned = false;
  bool has_expires = false;     // presigned only: X-Amz-Expires was sent
  int64_t expires_seconds = 0;  // presigned only: X-Amz-Expires (0..604800)
};

// Parses SigV4 data from the Authorization header (preferred) or presigned query parameters.
// kMissingAuthentication when neither is present; kIncompleteSignature when malformed.
Result<SigV4Request, AuthFailure> ParseSigV4(const HttpRequest& request);

// "20150830T123600Z" -> time point; nullopt unless exactly that shape and a valid date/time.
// In seconds, so that every 4-digit year is representable (system_clock's nanoseconds end in
// 2262): compare it with times cast to seconds.
std::optional<std::chrono::sys_seconds> ParseAmzDate(std::string_view s);
// "Sun, 30 Aug 2015 12:36:00 GMT" -> "20150830T123600Z"; nullopt when not RFC 1123.
std::optional<std::string> Rfc1123ToAmzDate(std::string_view s);

}  // namespace nimbus::auth
