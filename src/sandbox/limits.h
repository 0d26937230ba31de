// Pure arithmetic for Lambda-like resource limits: CPU share by memory, visible cores by memory
// band, cpu lists. No I/O; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::sandbox {

// CFS bandwidth: `quota_us` of CPU time per `period_us` (v1 cfs_quota_us/cfs_period_us, v2
// cpu.max "quota period"), and up to `burst_us` of quota left unused in earlier periods that a
// period may spend on top (v1 cfs_burst_us, v2 cpu.max.burst; kernels since 5.14, ignored by
// older ones). The kernel requires 1000 <= quota_us and burst_us <= quota_us.
struct CpuQuota {
  int64_t quota_us = 0;
  int64_t period_us = 100000;
  int64_t burst_us = 0;
};

// Lambda gives memory_mb/1769 of one vCPU. The period is as short as that share allows: 10 ms,
// longer only where the quota would fall below the kernel's 1 ms minimum (13.8 ms at 128 MB),
// so a throttled function waits at most one short period rather than most of 100 ms (a runtime
// that used up a 100 ms period's 7.2 ms at 128 MB sat runnable for the other 93 ms). The burst
// is one quota, the kernel's maximum: the long-run share stays memory_mb/1769. memory_mb 0 is
// treated as 128.
CpuQuota CpuQuotaForMemory(uint32_t memory_mb);

// A quota of `millis` thousandths of a CPU (1000: one CPU) per 100 ms, at least the kernel's
// 1 ms; no burst.
CpuQuota CpuQuotaForMillis(uint32_t millis);

// cgroup v2 cpu.weight (1..10000, default 100) for Docker's cpu shares (2..262144, default
// 1024), converted as runc converts them.
uint64_t CpuWeightForShares(uint64_t shares);

// Cores `nproc` shows on Lambda for `memory_mb` (the measured band table of the reference: 2 up
// to 3008 MB, 3 up to 5307, 4 up to 7076, 5 up to 8845, 6 above).
int VisibleCoresForMemory(uint32_t memory_mb);

// Parses a kernel cpu list ("0-3,8,10-11\n") into sorted, unique cpu numbers. Rejects garbage
// and absurd ranges (> 65536 cpus) with InvalidArgument.
Result<std::vector<int>> ParseCpuList(std::string_view text);
// Formats cpu numbers as a kernel cpu list ("0-3,8"); input need not be sorted.
std::string FormatCpuList(std::vector<int> cpus);

// Picks `count` cpus out of `host` (capped by host.size()), rotating the start by `rotation` so
// sandboxes spread over the host's cores. Empty when host is empty.
std::vector<int> PickCpus(const std::vector<int>& host, int count, uint64_t rotation);

}  // namespace nimbus::sandbox
