// cgroup v1 and v2 support for sandboxes: detection, the `nimbus/` parent cgroups, and one
// child cgroup per execution environment with its limits.
//
// Every path is derived from a CgroupLayout, so unit tests point the code at a fake cgroupfs
// directory (plain files) instead of /sys/fs/cgroup. Objects are not thread-safe; distinct
// SandboxCgroups may be used from distinct threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sandbox/limits.h"

namespace nimbus::sandbox {

enum class CgroupVersion { kNone, kV1, kV2 };
std::string_view CgroupVersionName(CgroupVersion v);  // "none", "v1", "v2"

// Where the hierarchies are mounted.
struct CgroupLayout {
  CgroupVersion version = CgroupVersion::kNone;
  std::string v2_root;                          // v2: mount point of the unified hierarchy
  std::map<std::string, std::string> v1_roots;  // v1: controller name -> mount point
};

// Reads a file's contents (injected so detection is testable).
using FileReader = std::function<Result<std::string>(const std::string& path)>;

// Chooses v2 when a cgroup2 mount's root lists the "memory" controller in cgroup.controllers;
// otherwise v1 with the memory/cpu/cpuset/pids/freezer hierarchies found in `mountinfo`
// (text of /proc/self/mountinfo); otherwise kNone. Never fails; garbage lines are skipped.
CgroupLayout DetectCgroupLayout(std::string_view mountinfo, const FileReader& read_file);
// DetectCgroupLayout on this host, computed once and cached (thread-safe).
const CgroupLayout& HostCgroupLayout();

// Limits for one sandbox cgroup. Zero / empty means "leave unlimited".
struct CgroupLimits {
  uint64_t memory_bytes = 0;  // hard limit; swap is turned off as well
  CpuQuota cpu;               // used when cpu.quota_us > 0
  // Create leaves the CPU unthrottled and keeps `cpu` for SandboxCgroup::ApplyPendingCpuQuota.
  bool cpu_quota_later = false;
  std::vector<int> cpus;  // cpuset; empty = inherit
  uint32_t pids_max = 0;
  uint32_t cpu_shares = 0;  // v1 cpu.shares, v2 cpu.weight (CpuWeightForShares); 0: default
};

class SandboxCgroup;

// The `nimbus/` parent cgroup in each hierarchy. Create with Open; movable.
class CgroupParent {
 public:
  // Creates (or reuses) `<root>/<parent_name>` in each hierarchy of `layout`, enables the v2
  // controllers on the way, and removes stale sandbox cgroups left by dead nimbus processes.
  // A v2 root that holds processes (a container's cgroup namespace) cannot enable controllers:
  // its processes, this one and any other, move into `<root>/<parent_name>-supervisor` first.
  // Fails when layout.version is kNone or none of memory/cpu/cpuset/pids could be set up, except
  // on a v2 hierarchy that offers none of them (cgroup.controllers): it still places, freezes and
  // kills, and the limit getters below say false. The parent cgroup is never removed.
  static Result<CgroupParent> Open(const CgroupLayout& layout, std::string parent_name = "nimbus");

  CgroupVersion version() const { return layout_.version; }
  bool memory() const { return memory_; }
  bool cpu() const { return cpu_; }
  bool cpuset() const { return cpuset_; }
  bool pids() const { return pids_; }
  bool freezer() const { return freezer_; }
  // CPUs usable by sandboxes (the parent's cpuset), empty when unknown.
  const std::vector<int>& host_cpus() const { return host_cpus_; }

  // Creates the child cgroup `name` (e.g. "<OwnerTag()>-<seq>") in each hierarchy and writes
  // `limits` for the controllers available. Fails (and removes what it made) on any write error.
  Result<SandboxCgroup> Create(const std::string& name, const CgroupLimits& limits) const;
  // v1 with a freezer hierarchy: creates "<OwnerTag()>-frozen<n>", an empty freezer cgroup, and
  // freezes it; the caller keeps it for its lifetime and Remove()s it at the end (a crashed
  // owner's is removed as stale by the next Open). Otherwise an empty SandboxCgroup.
  // Why: Linux switches the v1 freezer's static key each time the number of frozen v1 cgroups
  // goes between 0 and 1, patching kernel code on every CPU with IPIs (about a millisecond in
  // a VM, measured here); with one cgroup always frozen, freezing or thawing a sandbox is a
  // plain write. Fails on a mkdir or write error.
  Result<SandboxCgroup> CreateFrozenAnchor() const;

 private:
  CgroupParent() = default;
  void RemoveStale() const;
  std::string Dir(const std::string& controller) const;  // parent dir for a controller

  CgroupLayout layout_;
  std::string name_;
  bool memory_ = false, cpu_ = false, cpuset_ = false, pids_ = false, freezer_ = false;
  std::vector<int> host_cpus_;
  std::string mems_;  // v1 cpuset.mems of the parent
};

// One sandbox's cgroup(s). Move-only; Remove() is the caller's duty (the destructor does not
// touch the file system so a moved-from or failed object is harmless).
class SandboxCgroup {
 public:
  SandboxCgroup() = default;
  SandboxCgroup(SandboxCgroup&&) = default;
  SandboxCgroup& operator=(SandboxCgroup&&) = default;

  CgroupVersion version() const { return version_; }
  // Files the child writes "0" to after clone to move itself in (v1 `tasks`, v2 cgroup.procs).
  const std::vector<std::string>& procs_files() const { return procs_files_; }
  // Directory of the given controller's cgroup ("" when that controller is absent).
  std::string Dir(const std::string& controller) const;

  // SIGKILLs every process in the cgroup (v2 cgroup.kill when present, else a procs loop).
  Status Kill() const;
  // v2 cgroup.kill only (one write: every process, frozen or not, at once); Unavailable
  // elsewhere. Cheap enough to call under a lock.
  Status KillAtOnce() const;
  // True when the kernel OOM-killed a process in this cgroup (v1 memory.oom_control oom_kill,
  // v2 memory.events oom_kill).
  bool OomKilled() const;
  // Peak memory (v1 memory.max_usage_in_bytes, v2 memory.peak); Unavailable when not provided.
  // Thread-safe.
  Result<uint64_t> PeakMemoryBytes() const;
  // Writes a CFS quota, period and burst (burst only where the kernel has it). Fails on a write
  // error; Ok without a cpu controller.
  Status SetCpuQuota(const CpuQuota& quota) const;
  // Applies the quota Create deferred (CgroupLimits::cpu_quota_later), once; Ok when none.
  Status ApplyPendingCpuQuota();
  // True when a fork or clone in the cgroup failed at its pids limit (pids.events "max" > 0).
  // Thread-safe; one pread per call after the first.
  bool PidsLimitHit() const;
  // Freezes / thaws all processes (v1 freezer, v2 cgroup.freeze).
  Status Freeze() const;
  Status Thaw() const;
  // Removes the directories, retrying for up to ~200 ms while the kernel still counts tasks.
  Status Remove();

 private:
  friend class CgroupParent;
  CgroupVersion version_ = CgroupVersion::kNone;
  std::map<std::string, std::string> dirs_;  // controller ("" for v2) -> directory
  std::vector<std::string> procs_files_;
  CpuQuota pending_cpu_;  // quota_us 0: none
  // Files read per invocation (peak memory, pids events), opened on first use and kept open
  // (a pread per REPORT instead of open/read/close). Closed by Remove() and on destruction.
  struct KeptFile {
    std::atomic<int> fd{-1};
    ~KeptFile();
    // Reads up to `size` bytes of `path` (opened on the first call) into `buf`; -1 on error.
    ssize_t Read(const std::string& path, char* buf, size_t size);
  };
  struct KeptFiles {
    KeptFile peak, pids_events;
  };
  std::unique_ptr<KeptFiles> kept_ = std::make_unique<KeptFiles>();
};

}  // namespace nimbus::sandbox
