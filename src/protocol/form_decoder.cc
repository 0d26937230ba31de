#include "protocol/form_decoder.h"

#include <algorithm>

namespace nimbus {
namespace {

bool Less(const std::pair<std::string, std::string>& a, std::string_view key) {
  return std::string_view(a.first) < key;
}

}  // namespace

void FormParams::Add(std::string_view urlencoded) {
  for (auto& kv : ParseQueryString(urlencoded)) kv_.push_back(std::move(kv));
}

void FormParams::Sort() {
  std::stable_sort(kv_.begin(), kv_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

FormParams FormParams::FromRequest(const HttpRequest& request) {
  FormParams p;
  std::string_view query = request.query;
  if (query.empty()) {
    size_t q = request.target.find('?');
    if (q != std::string::npos) query = std::string_view(request.target).substr(q + 1);
  }
  p.Add(query);
  if (!request.body.empty()) p.Add(request.body);
  p.Sort();
  return p;
}

FormParams FormParams::FromString(std::string_view urlencoded) {
  FormParams p;
  p.Add(urlencoded);
  p.Sort();
  return p;
}

const std::string* FormParams::Get(std::string_view key) const {
  auto it = std::lower_bound(kv_.begin(), kv_.end(), key, Less);
  // Query string first, then body: for duplicates the last added (body) wins.
  const std::string* found = nullptr;
  for (; it != kv_.end() && it->first == key; ++it) found = &it->second;
  return found;
}

bool FormParams::HasChildren(std::string_view prefix) const {
  std::string p = std::string(prefix) + ".";
  auto it = std::lower_bound(kv_.begin(), kv_.end(), std::string_view(p), Less);
  return it != kv_.end() && std::string_view(it->first).substr(0, p.size()) == p;
}

std::vector<long> FormParams::Indices(std::string_view prefix) const {
  std::string p = std::string(prefix) + ".";
  std::vector<long> out;
  for (auto it = std::lower_bound(kv_.begin(), kv_.end(), std::string_view(p), Less);
       it != kv_.end() && std::string_view(it->first).substr(0, p.size()) == p; ++it) {
    std::string_view rest = std::string_view(it->first).substr(p.size());
    size_t i = 0;
    long n = 0;
    while (i < rest.size() && i < 9 && rest[i] >= '0' && rest[i] <= '9')
      n = n * 10 + (rest[i++] - '0');
    if (i == 0 || n <= 0 || (i < rest.size() && rest[i] != '.')) continue;
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace nimbus
