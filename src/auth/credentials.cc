#include "auth/credentials.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <vector>

namespace nimbus::auth {
namespace {

bool IsDigits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

Status CredentialsTable::Add(Credential credential) {
  if (by_key_.find(std::string_view(credential.access_key_id)) != by_key_.end()) {
    return Status::AlreadyExists("duplicate access key id " + credential.access_key_id);
  }
  std::string key = credential.access_key_id;
  by_key_.emplace(std::move(key), std::move(credential));
  return Status::Ok();
}

const Credential* CredentialsTable::Find(std::string_view access_key_id) const {
  auto it = by_key_.find(access_key_id);
  return it == by_key_.end() ? nullptr : &it->second;
}

Result<CredentialsTable> ParseCredentials(std::string_view text, std::string_view source) {
  CredentialsTable table;
  std::string errors;
  size_t line_no = 0;
  while (!text.empty() || line_no == 0) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> f = Fields(line);
    std::string problem;
    if (f.empty()) {
      // blank or comment
    } else if (f.size() != 3) {
      problem = "expected 'ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID', got " +
                std::to_string(f.size()) + " field(s)";
    } else if (!IsDigits(f[2], 12)) {
      problem = "account id must be 12 digits, got '" + std::string(f[2]) + "'";
    } else if (Status st = table.Add({std::string(f[0]), std::string(f[1]), std::string(f[2])});
               !st.ok()) {
      problem = st.message();
    }
    if (!problem.empty()) {
      if (!errors.empty()) errors += "; ";
      errors += std::string(source) + ":" + std::to_string(line_no) + ": " + problem;
    }
    if (nl == std::string_view::npos) break;
  }
  if (!errors.empty()) return Status::InvalidArgument("malformed credentials: " + errors);
  return table;
}

Result<CredentialsTable> LoadCredentialsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read credentials file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("error reading credentials file " + path);
  return ParseCredentials(ss.str(), path);
}

std::string AccountForAccessKey(std::string_view key) {
  if (IsDigits(key, 12)) return std::string(key);
  if (key.size() >= 20 && (key.starts_with("LSIA") || key.starts_with("LKIA"))) {
    // base32 (RFC 4648) body; the account id is bits 1..40 of the first 6 bytes.
    uint64_t bits = 0;
    for (size_t i = 4; i < 14; ++i) {  // 10 chars = 50 bits >= 48 needed
      char c = key[i];
      int v = c >= 'A' && c <= 'Z' ? c - 'A' : (c >= '2' && c <= '7' ? c - '2' + 26 : -1);
      if (v < 0) return std::string(kDefaultAccountId);
      bits = (bits << 5) | static_cast<uint64_t>(v);
    }
    uint64_t first6 = bits >> 2;  // 50 bits -> top 48 bits
    uint64_t account = (first6 & 0x7fffffffff80ULL) >> 7;
    std::string s = std::to_string(account);
    if (s.size() > 12) return std::string(kDefaultAccountId);
    return std::string(12 - s.size(), '0') + s;
  }
  return std::string(kDefaultAccountId);
}

}  // namespace nimbus::auth
