// Internal to the sandbox module: sandbox cgroups made ahead of time. Creating one (a mkdir per
// hierarchy and a write per limit, five hierarchies on v1) costs a few hundred microseconds of a
// launch; a background thread keeps a few ready per memory size in use, so a launch only takes
// one.
#pragma once

#include <compare>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/status.h"
#include "sandbox/cgroup.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

// Which limits a sandbox's cgroup gets; unless given, CPU quota and visible cores follow from
// the memory size, as on Lambda.
struct CgroupKey {
  uint32_t memory_mb = 128;
  uint32_t pids_max = 0;           // 0: unlimited
  bool unthrottled_start = false;  // the CPU quota is applied later (CgroupLimits::cpu_quota_later)
  // Set: instead of Lambda's share of memory_mb and its visible cores (SandboxSpec's).
  uint32_t cpu_millis = 0;
  uint32_t cpu_shares = 0;
  std::vector<int> cpus = {};
  auto operator<=>(const CgroupKey&) const = default;
};

// A new sandbox cgroup and the descriptors a launch needs, opened ahead. Move-only.
struct PreparedCgroup {
  SandboxCgroup cgroup;
  std::vector<UniqueFd> procs;  // write-only, >= 3: its procs_files(), in order
  UniqueFd dir;                 // v2: the cgroup's directory (O_PATH), for CLONE_INTO_CGROUP
};

// Thread-safe. Owns a background thread that refills the pool.
class CgroupPool {
 public:
  // Uses `parent` (which must outlive the pool) to make cgroups named "<pid>-<sequence>".
  // `depth` cgroups are kept ready for each of the `max_keys` most recently used keys.
  explicit CgroupPool(const CgroupParent& parent, size_t depth = 2, size_t max_keys = 8);
  // Stops the thread and removes the cgroups still ready.
  ~CgroupPool();
  CgroupPool(const CgroupPool&) = delete;
  CgroupPool& operator=(const CgroupPool&) = delete;

  // A new, empty cgroup with `key`'s limits: a ready one when there is one, else made on the
  // spot. Either way the pool refills in the background. Errors as CgroupParent::Create, or
  // opening its files.
  Result<PreparedCgroup> Take(CgroupKey key);
  // A new cgroup with `key`'s limits inside the parent's child `group` (a directory name in
  // each hierarchy, e.g. a SandboxGroup's), made on the spot: the group's limits apply on top.
  Result<PreparedCgroup> TakeUnder(const std::string& group, CgroupKey key) {
    return Make(key, group);
  }
  // Blocks until the background thread has nothing left to make (tests).
  void WaitIdle();

 private:
  Result<PreparedCgroup> Make(CgroupKey key, const std::string& group = "");
  static void Discard(PreparedCgroup& cg);
  std::optional<CgroupKey> Missing();  // a key below depth; caller holds mu_
  void Refill();

  const CgroupParent& parent_;
  const size_t depth_;
  const size_t max_keys_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool making_ = false;
  bool failed_ = false;  // the last background attempt failed (waits before retrying)
  uint64_t sequence_ = 0;
  uint64_t tick_ = 0;
  std::map<CgroupKey, uint64_t> keys_;  // key -> last use (tick)
  std::map<CgroupKey, std::deque<PreparedCgroup>> ready_;
  std::thread worker_;
};

}  // namespace nimbus::sandbox
