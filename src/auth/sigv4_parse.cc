#include "auth/sigv4_parse.h"

#include <openssl/evp.h>

#include <array>
#include <charconv>

#include "auth/crypto.h"

namespace nimbus::auth {
namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(kWhitespace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kWhitespace);
  return s.substr(b, e - b + 1);
}

AuthFailure Incomplete(std::string message) {
  return AuthFailure{AuthFailureKind::kIncompleteSignature, std::move(message), {}, {}};
}

std::string Base64Sha256(std::string_view s) {
  Sha256Digest d = Sha256(s);
  std::array<unsigned char, 48> out{};
  int n = EVP_EncodeBlock(out.data(), d.data(), static_cast<int>(d.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), n > 0 ? n : 0);
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int Num(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

}  // namespace

std::optional<CredentialScope> SplitCredential(std::string_view credential) {
  std::array<std::string_view, 5> parts;
  size_t n = 0;
  while (true) {
    size_t slash = credential.find('/');
    if (n == parts.size()) return std::nullopt;
    parts[n++] = credential.substr(0, slash);
    if (slash == std::string_view::npos) break;
    credential.remove_prefix(slash + 1);
  }
  if (n != parts.size()) return std::nullopt;
  for (std::string_view p : parts) {
    if (p.empty()) return std::nullopt;
  }
  return CredentialScope{parts[0], parts[1], parts[2], parts[3], parts[4]};
}

bool IsSigV4Authorization(std::string_view value) {
  value = Trim(value);
  return value.starts_with(kSigV4Algorithm) &&
         (value.size() == kSigV4Algorithm.size() || value[kSigV4Algorithm.size()] == ' ');
}

Result<AuthorizationHeader, AuthFailure> ParseAuthorizationHeader(std::string_view value) {
  const std::string_view original = value;
  AuthorizationHeader out;
  value = Trim(value);
  if (IsSigV4Authorization(value)) {
    value.remove_prefix(kSigV4Algorithm.size());
    while (!value.empty()) {
      size_t comma = value.find(',');
      std::string_view part = Trim(value.substr(0, comma));
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
      if (part.empty()) continue;
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        return Incomplete(
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
            "SHA-256 and encoded with Base64): '" +
            Base64Sha256(original) + "'.");
      }
      std::string_view key = part.substr(0, eq), val = part.substr(eq + 1);
      if (key == "Credential") {
        out.credential = val;
      } else if (key == "SignedHeaders") {
        out.signed_headers = val;
      } else if (key == "Signature") {
        out.signature = val;
      }
    }
  }
  std::string missing;
  if (out.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (out.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (out.signed_headers.empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!missing.empty()) {
    return Incomplete(missing + "Authorization=" + std::string(original));
  }
  std::optional<CredentialScope> scope = SplitCredential(out.credential);
  if (!scope) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" +
        std::string(out.credential) + "'");
  }
  if (scope->terminator != kSigV4Terminator) {
    return Incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(scope->terminator) + "'.");
  }
  out.scope = *scope;
  return out;
}

bool HasPresignedQuery(std::string_view q) {
  return q.find("X-Amz-Credential=") != std::string_view::npos ||
         q.find("X-Amz-Signature=") != std::string_view::npos ||
         q.find("X-Amz-Algorithm=") != std::string_view::npos;
}

namespace {

Result<SigV4Request, AuthFailure> ParseHeaderForm(const HttpRequest& request,
                                                  std::string_view authorization) {
  auto parsed = ParseAuthorizationHeader(authorization);
  std::string_view x_amz_date = request.headers.Get("X-Amz-Date");
  std::string amz_date;
  if (!x_amz_date.empty()) {
    amz_date = std::string(Trim(x_amz_date));
  } else if (std::string_view date = request.headers.Get("Date"); !date.empty()) {
    amz_date = Rfc1123ToAmzDate(Trim(date)).value_or(std::string(date));
  }
  if (!parsed.ok()) {
    AuthFailure f = parsed.take_error();
    if (amz_date.empty() && f.message.starts_with("Authorization header requires")) {
      size_t at = f.message.find("Authorization=");
      f.message.insert(at,
                       "Authorization header requires existence of either a 'X-Amz-Date' or "
                       "a 'Date' header. ");
    }
    return f;
  }
  if (amz_date.empty()) {
    return Incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=" +
        std::string(authorization));
  }
  if (!ParseAmzDate(amz_date)) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + amz_date +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  const AuthorizationHeader& h = parsed.value();
  SigV4Request out;
  out.access_key_id = h.scope.access_key_id;
  out.date = h.scope.date;
  out.region = h.scope.region;
  out.service = h.scope.service;
  out.signed_headers = h.signed_headers;
  out.signature = h.signature;
  out.amz_date = std::move(amz_date);
  out.security_token = request.headers.Get("X-Amz-Security-Token");
  return out;
}

Result<SigV4Request, AuthFailure> ParseQueryForm(std::string_view query) {
  std::string algorithm, credential, expires;
  SigV4Request out;
  out.presigned = true;
  bool has_expires = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string value =
        eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1));
    if (key == "X-Amz-Algorithm") {
      algorithm = std::move(value);
    } else if (key == "X-Amz-Credential") {
      credential = std::move(value);
    } else if (key == "X-Amz-Date") {
      out.amz_date = std::move(value);
    } else if (key == "X-Amz-Expires") {
      expires = std::move(value);
      has_expires = true;
    } else if (key == "X-Amz-SignedHeaders") {
      out.signed_headers = std::move(value);
    } else if (key == "X-Amz-Security-Token") {
      out.security_token = std::move(value);
    } else if (key == "X-Amz-Signature") {
      out.signature = std::move(value);
    }
  }
  std::string missing;
  for (auto [name, v] :
       {std::pair<std::string_view, const std::string*>{"X-Amz-Algorithm", &algorithm},
        {"X-Amz-Credential", &credential},
        {"X-Amz-Signature", &out.signature},
        {"X-Amz-Date", &out.amz_date},
        {"X-Amz-SignedHeaders", &out.signed_headers}}) {
    if (v->empty()) missing += (missing.empty() ? "'" : ", '") + std::string(name) + "'";
  }
  if (!missing.empty()) {
    return Incomplete("AWS query-string parameters must include " + missing +
                      ". Re-examine the query-string parameters.");
  }
  if (algorithm != kSigV4Algorithm) {
    return Incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  std::optional<CredentialScope> scope = SplitCredential(credential);
  if (!scope) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" +
        credential + "'");
  }
  if (scope->terminator != kSigV4Terminator) {
    return Incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(scope->terminator) + "'.");
  }
  if (!ParseAmzDate(out.amz_date)) {
    return Incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (has_expires) {
    out.has_expires = true;
    if (expires.starts_with('-') && AllDigits(std::string_view(expires).substr(1))) {
      return Incomplete("X-Amz-Expires must be non-negative");
    }
    if (!AllDigits(expires) || expires.size() > 9) {
      return Incomplete("X-Amz-Expires should be a number");
    }
    out.expires_seconds = Num(expires);
    if (out.expires_seconds > 604800) {
      return Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
  }
  out.access_key_id = scope->access_key_id;
  out.date = scope->date;
  out.region = scope->region;
  out.service = scope->service;
  return out;
}

}  // namespace

Result<SigV4Request, AuthFailure> ParseSigV4(const HttpRequest& request) {
  if (request.headers.Has("Authorization")) {
    return ParseHeaderForm(request, request.headers.Get("Authorization"));
  }
  if (HasPresignedQuery(request.query)) return ParseQueryForm(request.query);
  return AuthFailure{AuthFailureKind::kMissingAuthentication, {}, {}, {}};
}

std::optional<std::chrono::sys_seconds> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  if (!AllDigits(s.substr(0, 8)) || !AllDigits(s.substr(9, 6))) return std::nullopt;
  int y = Num(s.substr(0, 4)), mo = Num(s.substr(4, 2)), d = Num(s.substr(6, 2));
  int h = Num(s.substr(9, 2)), mi = Num(s.substr(11, 2)), se = Num(s.substr(13, 2));
  if (!ValidDate(y, mo, d) || h > 23 || mi > 59 || se > 59) return std::nullopt;
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                 h * 3600 + mi * 60 + se;
  return std::chrono::sys_seconds(std::chrono::seconds(secs));
}

std::optional<std::string> Rfc1123ToAmzDate(std::string_view s) {
  // "Sun, 30 Aug 2015 12:36:00 GMT"
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s.substr(25) != " GMT") return std::nullopt;
  std::string_view day = s.substr(5, 2), mon = s.substr(8, 3), year = s.substr(12, 4);
  std::string_view time = s.substr(17, 8);
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (kMonths[i] == mon) month = i + 1;
  }
  if (month == 0 || time[2] != ':' || time[5] != ':') return std::nullopt;
  std::string out;
  out.reserve(16);
  out.append(year).push_back(static_cast<char>('0' + month / 10));
  out.push_back(static_cast<char>('0' + month % 10));
  out.append(day).push_back('T');
  out.append(time.substr(0, 2)).append(time.substr(3, 2)).append(time.substr(6, 2));
  out.push_back('Z');
  if (!ParseAmzDate(out)) return std::nullopt;
  return out;
}

}  // namespace nimbus::auth
