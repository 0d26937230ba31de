#include "sandbox/limits.h"

#include <algorithm>
#include <charconv>

namespace nimbus::sandbox {

CpuQuota CpuQuotaForMemory(uint32_t memory_mb) {
  constexpr int64_t kVcpuMb = 1769, kMinQuotaUs = 1000;
  constexpr int64_t kShortestPeriodUs = 10000, kLongestPeriodUs = 1000000;  // kernel: <= 1 s
  if (memory_mb == 0) memory_mb = 128;
  const int64_t mb = memory_mb;
  CpuQuota q;
  // The period at which the share is exactly the kernel's minimum quota, rounded up.
  q.period_us =
      std::clamp((kMinQuotaUs * kVcpuMb + mb - 1) / mb, kShortestPeriodUs, kLongestPeriodUs);
  q.quota_us = std::max(kMinQuotaUs, mb * q.period_us / kVcpuMb);
  q.burst_us = q.quota_us;
  return q;
}

CpuQuota CpuQuotaForMillis(uint32_t millis) {
  CpuQuota q;
  q.period_us = 100000;
  q.quota_us = std::max<int64_t>(1000, int64_t{millis} * q.period_us / 1000);
  return q;
}

uint64_t CpuWeightForShares(uint64_t shares) {
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

int VisibleCoresForMemory(uint32_t memory_mb) {
  if (memory_mb <= 3008) return 2;
  if (memory_mb <= 5307) return 3;
  if (memory_mb <= 7076) return 4;
  if (memory_mb <= 8845) return 5;
  return 6;
}

namespace {

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<std::vector<int>> ParseCpuList(std::string_view text) {
  std::vector<int> out;
  text = Trim(text);
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t dash = item.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!ParseInt(item, lo)) return Status::InvalidArgument("bad cpu list item");
      hi = lo;
    } else if (!ParseInt(item.substr(0, dash), lo) || !ParseInt(item.substr(dash + 1), hi)) {
      return Status::InvalidArgument("bad cpu list range");
    }
    if (hi < lo || hi > 65536) return Status::InvalidArgument("bad cpu list range");
    for (int c = lo; c <= hi; ++c) out.push_back(c);
    if (out.size() > 65536) return Status::InvalidArgument("cpu list too long");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string FormatCpuList(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

std::vector<int> PickCpus(const std::vector<int>& host, int count, uint64_t rotation) {
  std::vector<int> out;
  if (host.empty() || count <= 0) return out;
  size_t n = std::min(host.size(), static_cast<size_t>(count));
  size_t start = static_cast<size_t>(rotation % host.size());
  for (size_t i = 0; i < n; ++i) out.push_back(host[(start + i) % host.size()]);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace nimbus::sandbox
