#include "sandbox/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>

#include "sandbox/fd.h"

namespace nimbus::sandbox {
namespace {

constexpr const char* kV1Controllers[] = {"memory", "cpu", "cpuset", "pids", "freezer"};
constexpr const char* kV2Controllers[] = {"memory", "cpu", "cpuset", "pids"};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t p = s.find(sep);
    if (p == std::string_view::npos) break;
    out.push_back(s.substr(0, p));
    s.remove_prefix(p + 1);
  }
  out.push_back(s);
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      bool ok = true;
      int v = 0;
      for (size_t k = 1; k <= 3; ++k) {
        if (s[i + k] < '0' || s[i + k] > '7') ok = false;
        v = v * 8 + (s[i + k] - '0');
      }
      if (ok) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool HasWord(std::string_view text, std::string_view word) {
  for (auto line : Split(text, '\n')) {
    for (auto w : Split(line, ' ')) {
      if (w == word) return true;
    }
  }
  return false;
}

Result<uint64_t> ParseU64(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return Status::Corruption("not a number");
  return v;
}

// Value of "key N" in a flat-keyed file (memory.events, memory.oom_control); -1 when absent.
int64_t KeyedValue(std::string_view text, std::string_view key) {
  for (auto line : Split(text, '\n')) {
    auto parts = Split(line, ' ');
    if (parts.size() == 2 && parts[0] == key) {
      auto v = ParseU64(parts[1]);
      if (v.ok()) return static_cast<int64_t>(*v);
    }
  }
  return -1;
}

bool MakeDir(const std::string& path) {
  return ::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST;
}

// Moves every process of the v2 cgroup `from` into `to`; one that exits meanwhile is skipped.
void MoveProcesses(const std::string& from, const std::string& to) {
  auto procs = ReadFile(from + "/cgroup.procs");
  if (!procs.ok()) return;
  for (auto pid : Split(*procs, '\n')) {
    if (!pid.empty()) (void)WriteFile(to + "/cgroup.procs", std::string(pid));
  }
}

}  // namespace

std::string_view CgroupVersionName(CgroupVersion v) {
  switch (v) {
    case CgroupVersion::kV1:
      return "v1";
    case CgroupVersion::kV2:
      return "v2";
    default:
      return "none";
  }
}

CgroupLayout DetectCgroupLayout(std::string_view mountinfo, const FileReader& read_file) {
  CgroupLayout v1, v2;
  v1.version = CgroupVersion::kV1;
  v2.version = CgroupVersion::kV2;
  for (auto line : Split(mountinfo, '\n')) {
    auto fields = Split(line, ' ');
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash < 5 || dash + 3 > fields.size()) continue;
    std::string mount_point = Unescape(fields[4]);
    std::string_view fstype = fields[dash + 1];
    std::string_view super_opts = fields[dash + 3];
    if (fstype == "cgroup2") {
      auto ctl = read_file(mount_point + "/cgroup.controllers");
      if (ctl.ok() && HasWord(*ctl, "memory") && v2.v2_root.empty()) v2.v2_root = mount_point;
    } else if (fstype == "cgroup") {
      for (auto opt : Split(super_opts, ',')) {
        for (const char* c : kV1Controllers) {
          if (opt == c && !v1.v1_roots.count(c)) v1.v1_roots[c] = mount_point;
        }
      }
    }
  }
  if (!v2.v2_root.empty()) return v2;
  if (v1.v1_roots.count("memory") || v1.v1_roots.count("cpu") || v1.v1_roots.count("pids")) {
    return v1;
  }
  return CgroupLayout{};
}

const CgroupLayout& HostCgroupLayout() {
  static const CgroupLayout layout = [] {
    auto mi = ReadFile("/proc/self/mountinfo");
    return DetectCgroupLayout(mi.ok() ? *mi : "", [](const std::string& p) { return ReadFile(p); });
  }();
  return layout;
}

std::string CgroupParent::Dir(const std::string& controller) const {
  if (layout_.version == CgroupVersion::kV2) return layout_.v2_root + "/" + name_;
  auto it = layout_.v1_roots.find(controller);
  return it == layout_.v1_roots.end() ? "" : it->second + "/" + name_;
}

Result<CgroupParent> CgroupParent::Open(const CgroupLayout& layout, std::string parent_name) {
  CgroupParent p;
  p.layout_ = layout;
  p.name_ = std::move(parent_name);
  bool v2_without_controllers = false;
  if (layout.version == CgroupVersion::kV2) {
    const std::string& root = layout.v2_root;
    auto avail = ReadFile(root + "/cgroup.controllers");
    if (!avail.ok()) return avail.error();
    v2_without_controllers = true;
    for (const char* c : kV2Controllers) {
      if (HasWord(*avail, c)) v2_without_controllers = false;
    }
    // Enable each controller for the root's children. EBUSY means the root holds processes
    // (a container's cgroup namespace, where an entrypoint shell or tini may hold it besides
    // nimbus): move them all into a leaf first, as systemd does; again should one have forked.
    auto enable = [&](const std::string& dir, const char* c) {
      return WriteFile(dir + "/cgroup.subtree_control", std::string("+") + c);
    };
    for (const char* c : kV2Controllers) {
      if (!HasWord(*avail, c)) continue;
      Status st = enable(root, c);
      std::string leaf = root + "/" + p.name_ + "-supervisor";
      for (int round = 0; round < 3 && !st.ok() && st.message().find("busy") != std::string::npos;
           ++round) {
        if (!MakeDir(leaf)) break;
        MoveProcesses(root, leaf);
        st = enable(root, c);
      }
      if (!st.ok()) continue;
      std::string dir = root + "/" + p.name_;
      if (!MakeDir(dir)) return ErrnoStatus("mkdir " + dir, errno);
      if (!enable(dir, c).ok()) continue;
      std::string_view name(c);
      if (name == "memory") p.memory_ = true;
      if (name == "cpu") p.cpu_ = true;
      if (name == "cpuset") p.cpuset_ = true;
      if (name == "pids") p.pids_ = true;
    }
    p.freezer_ = true;  // cgroup.freeze is core in v2 (5.2+)
    std::string dir = root + "/" + p.name_;
    if (!MakeDir(dir)) return ErrnoStatus("mkdir " + dir, errno);
    auto cpus = ReadFile(root + "/cpuset.cpus.effective");
    if (cpus.ok()) {
      auto parsed = ParseCpuList(*cpus);
      if (parsed.ok()) p.host_cpus_ = std::move(*parsed);
    }
  } else if (layout.version == CgroupVersion::kV1) {
    for (const auto& [controller, root] : layout.v1_roots) {
      std::string dir = root + "/" + p.name_;
      if (!MakeDir(dir)) continue;
      if (controller == "cpuset") {
        // A v1 cpuset child starts empty; copy the root's cpus and mems.
        auto cpus = ReadFile(root + "/cpuset.cpus");
        auto mems = ReadFile(root + "/cpuset.mems");
        if (!cpus.ok() || !mems.ok()) continue;
        auto parsed = ParseCpuList(*cpus);
        if (!parsed.ok() || parsed->empty()) continue;
        std::string m(*mems);
        while (!m.empty() && m.back() == '\n') m.pop_back();
        if (!WriteFile(dir + "/cpuset.cpus", FormatCpuList(*parsed)).ok() ||
            !WriteFile(dir + "/cpuset.mems", m).ok()) {
          continue;
        }
        p.host_cpus_ = std::move(*parsed);
        p.mems_ = m;
        p.cpuset_ = true;
      }
      if (controller == "memory") p.memory_ = true;
      if (controller == "cpu") p.cpu_ = true;
      if (controller == "pids") p.pids_ = true;
      if (controller == "freezer") p.freezer_ = true;
    }
  } else {
    return Status::Unavailable("no cgroup hierarchy found");
  }
  // A v2 hierarchy that offers none of the controllers is still worth having (placement,
  // cgroup.kill and cgroup.freeze are core); one whose controllers could not be enabled is not.
  if (!p.memory_ && !p.cpu_ && !p.pids_ && !p.cpuset_ && !v2_without_controllers) {
    return Status::Unavailable("no usable cgroup controller");
  }
  p.RemoveStale();
  return p;
}

void CgroupParent::RemoveStale() const {
  // Children are named "<owner tag>-<seq>" (OwnerTag()); remove those whose owner is gone.
  std::map<std::string, SandboxCgroup> stale;
  auto scan = [&](const std::string& controller) {
    std::string dir = Dir(controller);
    DIR* d = dir.empty() ? nullptr : ::opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (e->d_type != DT_DIR || !TaggedOwnerGone(n)) continue;
      SandboxCgroup& cg = stale[n];
      cg.version_ = layout_.version;
      cg.dirs_[layout_.version == CgroupVersion::kV2 ? "" : controller] = dir + "/" + n;
    }
    ::closedir(d);
  };
  if (layout_.version == CgroupVersion::kV2) {
    scan("");
  } else {
    for (const auto& kv : layout_.v1_roots) scan(kv.first);
  }
  for (auto& [name, cg] : stale) {
    // A group's (SandboxManager::CreateGroup) sandboxes first: a cgroup with children stays.
    for (const auto& [controller, dir] : cg.dirs_) {
      DIR* d = ::opendir(dir.c_str());
      while (dirent* e = d ? ::readdir(d) : nullptr) {
        std::string n = e->d_name;
        if (e->d_type != DT_DIR || n == "." || n == "..") continue;
        SandboxCgroup child;
        child.version_ = layout_.version;
        child.dirs_[controller] = dir + "/" + n;
        (void)child.Kill();
        (void)child.Remove();
      }
      if (d) ::closedir(d);
    }
    (void)cg.Kill();
    (void)cg.Remove();
  }
}

Result<SandboxCgroup> CgroupParent::Create(const std::string& name,
                                           const CgroupLimits& limits) const {
  SandboxCgroup cg;
  cg.version_ = layout_.version;
  auto fail = [&](Status st) -> Result<SandboxCgroup> {
    (void)cg.Remove();
    return st;
  };
  auto make = [&](const std::string& controller) -> Result<std::string> {
    std::string dir = Dir(controller) + "/" + name;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return ErrnoStatus("mkdir " + dir, errno);
    cg.dirs_[controller] = dir;
    // v1: the child writes "0" to `tasks` (moves only itself; it is single-threaded before
    // exec), which skips the threadgroup rwsem that a cgroup.procs write takes, and with it an
    // RCU grace period (5-20 ms measured here on an otherwise idle host).
    cg.procs_files_.push_back(dir +
                              (layout_.version == CgroupVersion::kV1 ? "/tasks" : "/cgroup.procs"));
    return dir;
  };
  // The same on v1 and v2: a CPU quota (now, or when the caller asks after start-up) and the
  // pids limit.
  auto apply_cpu_quota = [&]() -> Status {
    if (limits.cpu.quota_us <= 0) return Status::Ok();
    if (limits.cpu_quota_later) {
      cg.pending_cpu_ = limits.cpu;
      return Status::Ok();
    }
    return cg.SetCpuQuota(limits.cpu);
  };
  auto apply_pids_max = [&](const std::string& dir) -> Status {
    if (limits.pids_max <= 0) return Status::Ok();
    return WriteFile(dir + "/pids.max", std::to_string(limits.pids_max));
  };
  if (layout_.version == CgroupVersion::kV2) {
    auto dir = make("");
    if (!dir.ok()) return fail(dir.error());
    const std::string& d = *dir;
    if (memory_ && limits.memory_bytes > 0) {
      Status st = WriteFile(d + "/memory.max", std::to_string(limits.memory_bytes));
      if (!st.ok()) return fail(st);
      (void)WriteFile(d + "/memory.swap.max", "0");  // absent without swap accounting
    }
    if (cpu_) {
      if (Status st = apply_cpu_quota(); !st.ok()) return fail(st);
    }
    if (cpu_ && limits.cpu_shares > 0) {
      Status st =
          WriteFile(d + "/cpu.weight", std::to_string(CpuWeightForShares(limits.cpu_shares)));
      if (!st.ok()) return fail(st);
    }
    if (cpuset_ && !limits.cpus.empty()) {
      Status st = WriteFile(d + "/cpuset.cpus", FormatCpuList(limits.cpus));
      if (!st.ok()) return fail(st);
    }
    if (pids_) {
      if (Status st = apply_pids_max(d); !st.ok()) return fail(st);
    }
    return cg;
  }
  if (memory_) {
    auto dir = make("memory");
    if (!dir.ok()) return fail(dir.error());
    if (limits.memory_bytes > 0) {
      std::string bytes = std::to_string(limits.memory_bytes);
      Status st = WriteFile(*dir + "/memory.limit_in_bytes", bytes);
      if (!st.ok()) return fail(st);
      // memsw exists only with swap accounting; setting it equal to the limit turns swap off.
      (void)WriteFile(*dir + "/memory.memsw.limit_in_bytes", bytes);
      (void)WriteFile(*dir + "/memory.swappiness", "0");
    }
  }
  if (cpu_) {
    auto dir = make("cpu");
    if (!dir.ok()) return fail(dir.error());
    if (Status st = apply_cpu_quota(); !st.ok()) return fail(st);
    if (limits.cpu_shares > 0) {
      Status st = WriteFile(*dir + "/cpu.shares", std::to_string(limits.cpu_shares));
      if (!st.ok()) return fail(st);
    }
  }
  if (cpuset_) {
    auto dir = make("cpuset");
    if (!dir.ok()) return fail(dir.error());
    std::string cpus = limits.cpus.empty() ? FormatCpuList(host_cpus_) : FormatCpuList(limits.cpus);
    Status st = WriteFile(*dir + "/cpuset.cpus", cpus);
    if (st.ok()) st = WriteFile(*dir + "/cpuset.mems", mems_);
    if (!st.ok()) return fail(st);
  }
  if (pids_) {
    auto dir = make("pids");
    if (!dir.ok()) return fail(dir.error());
    if (Status st = apply_pids_max(*dir); !st.ok()) return fail(st);
  }
  if (freezer_) {
    auto dir = make("freezer");
    if (!dir.ok()) return fail(dir.error());
  }
  return cg;
}

Result<SandboxCgroup> CgroupParent::CreateFrozenAnchor() const {
  SandboxCgroup cg;
  if (layout_.version != CgroupVersion::kV1 || !freezer_) return cg;
  static std::atomic<uint64_t> sequence{0};  // one anchor per caller, even in one process
  std::string dir = Dir("freezer") + "/" + OwnerTag() + "-frozen" + std::to_string(++sequence);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + dir, errno);
  cg.version_ = CgroupVersion::kV1;
  cg.dirs_["freezer"] = dir;
  Status st = cg.Freeze();
  if (!st.ok()) {
    (void)cg.Remove();
    return st;
  }
  return cg;
}

std::string SandboxCgroup::Dir(const std::string& controller) const {
  auto it = dirs_.find(version_ == CgroupVersion::kV2 ? "" : controller);
  return it == dirs_.end() ? "" : it->second;
}

Status SandboxCgroup::KillAtOnce() const {
  if (version_ != CgroupVersion::kV2 || Dir("").empty()) {
    return Status::Unavailable("no cgroup.kill");
  }
  return WriteFile(Dir("") + "/cgroup.kill", "1");
}

Status SandboxCgroup::Kill() const {
  if (dirs_.empty()) return Status::Ok();
  if (KillAtOnce().ok()) return Status::Ok();
  // Freeze first when possible so nothing forks while we iterate.
  bool frozen = Freeze().ok();
  for (int round = 0; round < 50; ++round) {
    bool any = false;
    for (const auto& [controller, dir] : dirs_) {
      auto procs = ReadFile(dir + "/cgroup.procs");
      if (!procs.ok()) continue;
      for (auto line : Split(*procs, '\n')) {
        auto pid = ParseU64(line);
        if (pid.ok() && *pid > 0) {
          ::kill(static_cast<pid_t>(*pid), SIGKILL);
          any = true;
        }
      }
    }
    if (frozen) {
      (void)Thaw();  // killed tasks must run to die
      frozen = false;
    }
    if (!any) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Status::Unavailable("processes survive in cgroup");
}

bool SandboxCgroup::OomKilled() const {
  if (version_ == CgroupVersion::kV2) {
    auto ev = ReadFile(Dir("") + "/memory.events");
    return ev.ok() && KeyedValue(*ev, "oom_kill") > 0;
  }
  std::string dir = Dir("memory");
  if (dir.empty()) return false;
  auto oc = ReadFile(dir + "/memory.oom_control");
  return oc.ok() && KeyedValue(*oc, "oom_kill") > 0;
}

ssize_t SandboxCgroup::KeptFile::Read(const std::string& path, char* buf, size_t size) {
  int f = fd.load(std::memory_order_acquire);
  if (f < 0) {
    int opened = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (opened < 0) return -1;
    int expected = -1;
    if (fd.compare_exchange_strong(expected, opened, std::memory_order_acq_rel)) {
      f = opened;
    } else {  // another thread opened it first
      ::close(opened);
      f = expected;
    }
  }
  return ::pread(f, buf, size, 0);
}

SandboxCgroup::KeptFile::~KeptFile() {
  int f = fd.load();
  if (f >= 0) ::close(f);
}

Result<uint64_t> SandboxCgroup::PeakMemoryBytes() const {
  if (!kept_) return Status::Unavailable("cgroup removed");
  std::string file;  // the path is built only to open the file once (this runs per invoke)
  if (kept_->peak.fd.load(std::memory_order_acquire) < 0) {
    file = version_ == CgroupVersion::kV2 ? Dir("") + "/memory.peak"
           : Dir("memory").empty()        ? ""
                                          : Dir("memory") + "/memory.max_usage_in_bytes";
    if (file.empty() || (version_ == CgroupVersion::kV2 && Dir("").empty())) {
      return Status::Unavailable("no memory cgroup");
    }
  }
  char buf[32];
  ssize_t n = kept_->peak.Read(file, buf, sizeof buf - 1);
  if (n <= 0) return Status::Unavailable(std::string("read peak memory: ") + std::strerror(errno));
  return ParseU64(std::string_view(buf, static_cast<size_t>(n)));
}

bool SandboxCgroup::PidsLimitHit() const {
  if (!kept_) return false;
  std::string file;
  if (kept_->pids_events.fd.load(std::memory_order_acquire) < 0) {
    std::string dir = Dir(version_ == CgroupVersion::kV2 ? "" : "pids");
    if (dir.empty()) return false;
    file = dir + "/pids.events";
  }
  char buf[128];
  ssize_t n = kept_->pids_events.Read(file, buf, sizeof buf);
  return n > 0 && KeyedValue(std::string_view(buf, static_cast<size_t>(n)), "max") > 0;
}

Status SandboxCgroup::SetCpuQuota(const CpuQuota& q) const {
  const std::string dir = Dir("cpu");
  if (dir.empty()) return Status::Ok();
  if (version_ == CgroupVersion::kV2) {
    Status st =
        WriteFile(dir + "/cpu.max", std::to_string(q.quota_us) + " " + std::to_string(q.period_us));
    if (st.ok() && q.burst_us > 0)
      (void)WriteFile(dir + "/cpu.max.burst", std::to_string(q.burst_us));
    return st;
  }
  // v1 checks quota against the period and the burst against the quota as each is written:
  // the quota goes first when the old burst may exceed the new quota.
  Status st = WriteFile(dir + "/cpu.cfs_period_us", std::to_string(q.period_us));
  if (st.ok()) st = WriteFile(dir + "/cpu.cfs_quota_us", std::to_string(q.quota_us));
  if (st.ok() && q.burst_us > 0)
    (void)WriteFile(dir + "/cpu.cfs_burst_us", std::to_string(q.burst_us));
  return st;
}

Status SandboxCgroup::ApplyPendingCpuQuota() {
  if (pending_cpu_.quota_us <= 0) return Status::Ok();
  Status st = SetCpuQuota(pending_cpu_);
  pending_cpu_ = CpuQuota{0, 0, 0};
  return st;
}

Status SandboxCgroup::Freeze() const {
  if (version_ == CgroupVersion::kV2) return WriteFile(Dir("") + "/cgroup.freeze", "1");
  std::string dir = Dir("freezer");
  if (dir.empty()) return Status::Unavailable("no freezer cgroup");
  return WriteFile(dir + "/freezer.state", "FROZEN");
}

Status SandboxCgroup::Thaw() const {
  if (version_ == CgroupVersion::kV2) return WriteFile(Dir("") + "/cgroup.freeze", "0");
  std::string dir = Dir("freezer");
  if (dir.empty()) return Status::Unavailable("no freezer cgroup");
  return WriteFile(dir + "/freezer.state", "THAWED");
}

Status SandboxCgroup::Remove() {
  kept_.reset();  // closes the files kept open
  Status result;
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    int err = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (::rmdir(it->second.c_str()) == 0 || errno == ENOENT) {
        err = 0;
        break;
      }
      err = errno;
      if (err != EBUSY) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (err != 0) {
      result = ErrnoStatus("rmdir " + it->second, err);
      ++it;
    } else {
      it = dirs_.erase(it);
    }
  }
  if (dirs_.empty()) procs_files_.clear();
  return result;
}

}  // namespace nimbus::sandbox
