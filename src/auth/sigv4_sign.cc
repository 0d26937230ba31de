#include "auth/sigv4_sign.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace nimbus::auth {
namespace {

using Pair = std::pair<std::string, std::string>;

bool IsSpace(char c) {
  // Python's str.split() whitespace within ASCII.
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

void AppendTrimAll(std::string& out, std::string_view v) {
  bool pending_space = false, any = false;
  for (char c : v) {
    if (IsSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    any = true;
    out.push_back(c);
  }
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string JoinPairs(std::vector<Pair>& pairs) {
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out.append(k).push_back('=');
    out.append(v);
  }
  return out;
}

template <typename Fn>
void ForEachQueryPart(std::string_view query, Fn fn) {
  if (query.empty()) return;
  while (true) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    size_t eq = part.find('=');
    fn(part.substr(0, eq), eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

std::string_view PayloadHashHeader(const HttpRequest& r) {
  return r.headers.Get("X-Amz-Content-SHA256");
}

}  // namespace

std::string CanonicalPath(std::string_view raw, bool s3) {
  if (raw.empty()) return "/";
  if (s3) return std::string(raw);
  std::vector<std::string_view> segs;
  std::string_view rest = raw;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segs.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::string normalized = raw.front() == '/' ? "/" : "";
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i > 0) normalized.push_back('/');
    normalized.append(segs[i]);
  }
  if (raw.back() == '/' && !segs.empty()) normalized.push_back('/');
  return PercentEncode(normalized, /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query, bool skip_signature) {
  std::vector<Pair> pairs;
  ForEachQueryPart(raw_query, [&](std::string_view k, std::string_view v) {
    if (k.empty() && v.empty()) return;
    std::string key = PercentDecode(k);
    if (skip_signature && key == "X-Amz-Signature") return;
    pairs.emplace_back(PercentEncode(key), PercentEncode(PercentDecode(v)));
  });
  return JoinPairs(pairs);
}

std::string CanonicalQueryAsSent(std::string_view raw_query, bool skip_signature) {
  std::vector<Pair> pairs;
  ForEachQueryPart(raw_query, [&](std::string_view k, std::string_view v) {
    if (skip_signature && k == "X-Amz-Signature") return;
    pairs.emplace_back(std::string(k), std::string(v));
  });
  return JoinPairs(pairs);
}

std::string CanonicalHeaders(const HttpHeaders& headers, std::string_view signed_headers) {
  std::string out;
  while (!signed_headers.empty()) {
    size_t semi = signed_headers.find(';');
    std::string_view name = signed_headers.substr(0, semi);
    signed_headers =
        semi == std::string_view::npos ? std::string_view() : signed_headers.substr(semi + 1);
    if (name.empty()) continue;
    for (char c : name) out.push_back(Lower(c));
    out.push_back(':');
    bool first = true;
    for (const auto& [n, v] : headers.entries()) {
      if (!EqualsIgnoreCase(n, name)) continue;
      if (!first) out.push_back(',');
      first = false;
      AppendTrimAll(out, v);
    }
    out.push_back('\n');
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_path,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_path.size() + canonical_query.size() +
              canonical_headers.size() + signed_headers.size() + payload_hash.size() + 8);
  for (char c : method) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
  out.append("\n").append(canonical_path).append("\n").append(canonical_query).append("\n");
  out.append(canonical_headers).append("\n");
  for (char c : signed_headers) out.push_back(Lower(c));
  out.append("\n").append(payload_hash);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view date, std::string_view region,
                         std::string_view service, std::string_view canonical_request) {
  std::string out;
  out.reserve(160);
  out.append(kSigV4Algorithm).append("\n").append(amz_date).append("\n");
  out.append(date).append("/").append(region).append("/").append(service).append("/");
  out.append(kSigV4Terminator).append("\n").append(Sha256Hex(canonical_request));
  return out;
}

Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date,
                              std::string_view region, std::string_view service) {
  std::string k = "AWS4";
  k.append(secret);
  Sha256Digest d = HmacSha256(k, date);
  d = HmacSha256(AsView(d), region);
  d = HmacSha256(AsView(d), service);
  return HmacSha256(AsView(d), kSigV4Terminator);
}

std::string SignatureHex(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(AsView(signing_key), string_to_sign));
}

std::optional<std::string> DeclaredPayloadHash(const HttpRequest& request, const SigV4Request& p) {
  std::string_view declared = PayloadHashHeader(request);
  if (!declared.empty()) return std::string(declared);
  if (p.presigned && p.service == "s3") return std::string(kUnsignedPayload);
  return std::nullopt;
}

std::string PayloadSha256Hex(const HttpRequest& request) {
  return request.body_sha256.empty() ? Sha256Hex(request.body) : request.body_sha256;
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<AuthFailure> VerifySignature(const HttpRequest& request, const SigV4Request& p,
                                           const Sha256Digest& signing_key,
                                           std::string_view payload) {
  const std::string path = CanonicalPath(request.path, p.service == "s3");
  const std::string headers = CanonicalHeaders(request.headers, p.signed_headers);
  AuthFailure first{AuthFailureKind::kSignatureMismatch, {}, {}, {}};
  std::string query = CanonicalQuery(request.query, p.presigned);
  for (int form = 0; form < 2; ++form) {
    if (form == 1) {
      std::string as_sent = CanonicalQueryAsSent(request.query, p.presigned);
      if (as_sent == query) break;
      query = std::move(as_sent);
    }
    std::string cr =
        CanonicalRequest(request.method, path, query, headers, p.signed_headers, payload);
    std::string sts = StringToSign(p.amz_date, p.date, p.region, p.service, cr);
    if (ConstantTimeEquals(SignatureHex(signing_key, sts), p.signature)) return std::nullopt;
    if (first.canonical_request.empty()) {
      first.canonical_request = std::move(cr);
      first.string_to_sign = std::move(sts);
    }
  }
  return first;
}

std::optional<AuthFailure> VerifySignature(const HttpRequest& request, const SigV4Request& p,
                                           const Sha256Digest& signing_key) {
  std::optional<std::string> declared = DeclaredPayloadHash(request, p);
  return VerifySignature(request, p, signing_key, declared ? *declared : PayloadSha256Hex(request));
}

void SignRequest(HttpRequest& request, const SigningParams& params) {
  static constexpr std::string_view kUnsigned[] = {"authorization",
                                                   "connection",
                                                   "expect",
                                                   "keep-alive",
                                                   "proxy-authenticate",
                                                   "proxy-authorization",
                                                   "te",
                                                   "trailer",
                                                   "transfer-encoding",
                                                   "upgrade",
                                                   "user-agent",
                                                   "x-amzn-trace-id"};
  request.headers.Set("X-Amz-Date", params.amz_date);
  if (!params.security_token.empty()) {
    request.headers.Set("X-Amz-Security-Token", params.security_token);
  }
  std::vector<std::string> names;
  for (const auto& [n, v] : request.headers.entries()) {
    std::string lower = ToLower(n);
    if (std::find(std::begin(kUnsigned), std::end(kUnsigned), lower) != std::end(kUnsigned)) {
      continue;
    }
    names.push_back(std::move(lower));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers;
  for (const std::string& n : names) {
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers.append(n);
  }
  std::string_view declared = PayloadHashHeader(request);
  std::string payload = declared.empty() ? Sha256Hex(request.body) : std::string(declared);
  std::string cr =
      CanonicalRequest(request.method, CanonicalPath(request.path, params.service == "s3"),
                       CanonicalQuery(request.query, false),
                       CanonicalHeaders(request.headers, signed_headers), signed_headers, payload);
  std::string date = params.amz_date.substr(0, 8);
  std::string sts = StringToSign(params.amz_date, date, params.region, params.service, cr);
  Sha256Digest key =
      DeriveSigningKey(params.secret_access_key, date, params.region, params.service);
  request.headers.Set("Authorization", std::string(kSigV4Algorithm) +
                                           " Credential=" + params.access_key_id + "/" + date +
                                           "/" + params.region + "/" + params.service +
                                           "/aws4_request, SignedHeaders=" + signed_headers +
                                           ", Signature=" + SignatureHex(key, sts));
}

void PresignRequest(HttpRequest& request, const SigningParams& params, int64_t expires_seconds) {
  std::string date = params.amz_date.substr(0, 8);
  std::string credential = params.access_key_id + "/" + date + "/" + params.region + "/" +
                           params.service + "/aws4_request";
  std::string& q = request.query;
  if (!q.empty()) q.push_back('&');
  q += "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + PercentEncode(credential) +
       "&X-Amz-Date=" + params.amz_date + "&X-Amz-Expires=" + std::to_string(expires_seconds) +
       "&X-Amz-SignedHeaders=host";
  if (!params.security_token.empty()) {
    q += "&X-Amz-Security-Token=" + PercentEncode(params.security_token);
  }
  std::string cr = CanonicalRequest(
      request.method, CanonicalPath(request.path, params.service == "s3"), CanonicalQuery(q, true),
      CanonicalHeaders(request.headers, "host"), "host",
      params.service == "s3" ? std::string(kUnsignedPayload) : Sha256Hex(request.body));
  std::string sts = StringToSign(params.amz_date, date, params.region, params.service, cr);
  Sha256Digest key =
      DeriveSigningKey(params.secret_access_key, date, params.region, params.service);
  q += "&X-Amz-Signature=" + SignatureHex(key, sts);
  request.target = request.path + "?" + q;
}

}  // namespace nimbus::auth
