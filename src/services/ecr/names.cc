#include "services/ecr/names.h"

#include <vector>

#include "core/http.h"

namespace nimbus::ecr {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsHex(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); }

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool ValidComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    // A separator run: ".", "_", "__" or "-+", followed by an alphanumeric.
    size_t j = i;
    if (c[i] == '.') {
      j = i + 1;
    } else if (c[i] == '_') {
      j = i + 1;
      if (j < c.size() && c[j] == '_') ++j;
    } else if (c[i] == '-') {
      while (j < c.size() && c[j] == '-') ++j;
    } else {
      return false;
    }
    if (j >= c.size() || !IsLowerAlnum(c[j])) return false;
    i = j;
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string Join(const std::vector<std::string_view>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out.push_back('/');
    out.append(parts[i]);
  }
  return out;
}

}  // namespace

bool ValidRepoName(std::string_view name) {
  if (name.size() < 2 || name.size() > 256) return false;
  for (std::string_view c : Split(name, '/')) {
    if (!ValidComponent(c)) return false;
  }
  return true;
}

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag[0])) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool ValidDigest(std::string_view digest) {
  bool sha256 = digest.size() == 7 + 64 && digest.starts_with("sha256:");
  if (!sha256 && !IsSha512Digest(digest)) return false;
  for (char c : digest.substr(7)) {
    if (!IsHex(c)) return false;
  }
  return true;
}

bool IsSha512Digest(std::string_view digest) {
  if (digest.size() != 7 + 128 || !digest.starts_with("sha512:")) return false;
  for (char c : digest.substr(7)) {
    if (!IsHex(c)) return false;
  }
  return true;
}

bool LooksLikeDigest(std::string_view ref) { return ref.find(':') != std::string_view::npos; }

std::string_view DigestHex(std::string_view digest) {
  size_t colon = digest.find(':');
  return colon == std::string_view::npos ? std::string_view() : digest.substr(colon + 1);
}

std::optional<V2Path> ParseV2Path(std::string_view raw) {
  std::string path = PercentDecode(raw);
  if (path == "/v2" || path == "/v2/") return V2Path{V2Kind::kBase, "", ""};
  if (!path.starts_with("/v2/")) return std::nullopt;
  if (path == "/v2/_catalog") return V2Path{V2Kind::kCatalog, "", ""};
  auto parts = Split(std::string_view(path).substr(4), '/');
  size_t n = parts.size();
  if (n < 3) return std::nullopt;
  V2Path out;
  // Longest suffixes first: blobs/uploads/<id> and blobs/uploads/ (trailing slash) before
  // blobs/<digest>.
  if (n >= 4 && parts[n - 3] == "blobs" && parts[n - 2] == "uploads") {
    out.kind = parts[n - 1].empty() ? V2Kind::kUploadStart : V2Kind::kUpload;
    out.ref = std::string(parts[n - 1]);
    out.name = Join(parts, n - 3);
  } else if (parts[n - 2] == "blobs" && parts[n - 1] == "uploads") {
    out.kind = V2Kind::kUploadStart;
    out.name = Join(parts, n - 2);
  } else if (parts[n - 2] == "blobs") {
    out.kind = V2Kind::kBlob;
  } else if (parts[n - 2] == "manifests") {
    out.kind = V2Kind::kManifest;
  } else if (parts[n - 2] == "tags" && parts[n - 1] == "list") {
    out.kind = V2Kind::kTagsList;
    out.name = Join(parts, n - 2);
  } else if (parts[n - 2] == "referrers") {
    out.kind = V2Kind::kReferrers;
  } else {
    return std::nullopt;
  }
  if (out.kind == V2Kind::kBlob || out.kind == V2Kind::kManifest ||
      out.kind == V2Kind::kReferrers) {
    out.ref = std::string(parts[n - 1]);
    out.name = Join(parts, n - 2);
  }
  return out;
}

}  // namespace nimbus::ecr
