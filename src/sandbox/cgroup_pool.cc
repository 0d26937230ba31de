#include "sandbox/cgroup_pool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sandbox/limits.h"

namespace nimbus::sandbox {

CgroupPool::CgroupPool(const CgroupParent& parent, size_t depth, size_t max_keys)
    : parent_(parent), depth_(depth), max_keys_(max_keys), worker_([this] { Refill(); }) {}

CgroupPool::~CgroupPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
  for (auto& [key, queue] : ready_) {
    for (auto& cg : queue) Discard(cg);
  }
}

Result<PreparedCgroup> CgroupPool::Take(CgroupKey key) {
  std::optional<PreparedCgroup> cg;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys_[key] = ++tick_;
    while (keys_.size() > max_keys_) {  // forget the least recently used key
      auto oldest = keys_.begin();
      for (auto it = keys_.begin(); it != keys_.end(); ++it) {
        if (it->second < oldest->second) oldest = it;
      }
      for (auto& stale : ready_[oldest->first]) Discard(stale);
      ready_.erase(oldest->first);
      keys_.erase(oldest);
    }
    auto& queue = ready_[key];
    if (!queue.empty()) {
      cg = std::move(queue.front());
      queue.pop_front();
    }
  }
  cv_.notify_all();
  if (cg) return std::move(*cg);
  return Make(key);
}

void CgroupPool::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stop_ || (!making_ && (failed_ || !Missing())); });
}

void CgroupPool::Discard(PreparedCgroup& cg) {
  cg.procs.clear();
  cg.dir.reset();
  (void)cg.cgroup.Remove();
}

Result<PreparedCgroup> CgroupPool::Make(CgroupKey key, const std::string& group) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = sequence_++;
  }
  CgroupLimits limits;
  limits.memory_bytes = uint64_t{key.memory_mb} << 20;
  limits.cpu =
      key.cpu_millis > 0 ? CpuQuotaForMillis(key.cpu_millis) : CpuQuotaForMemory(key.memory_mb);
  limits.cpu_quota_later = key.unthrottled_start;
  limits.cpu_shares = key.cpu_shares;
  // Consecutive sandboxes start their visible cores at different host cores.
  limits.cpus = !key.cpus.empty()
                    ? key.cpus
                    : PickCpus(parent_.host_cpus(), VisibleCoresForMemory(key.memory_mb), seq);
  limits.pids_max = key.pids_max;
  auto cg = parent_.Create(
      (group.empty() ? "" : group + "/") + OwnerTag() + "-" + std::to_string(seq), limits);
  if (!cg.ok()) return cg.error();
  PreparedCgroup p{std::move(*cg), {}, {}};
  auto above2 = [](int fd) {  // the child rebuilds 0..2
    if (fd < 0 || fd >= 3) return UniqueFd(fd);
    UniqueFd low(fd);
    return UniqueFd(::fcntl(low.get(), F_DUPFD_CLOEXEC, 3));
  };
  for (const auto& file : p.cgroup.procs_files()) {
    p.procs.push_back(above2(::open(file.c_str(), O_WRONLY | O_CLOEXEC)));
    if (!p.procs.back().valid()) {
      Status st = ErrnoStatus("open " + file, errno);
      Discard(p);
      return st;
    }
  }
  if (p.cgroup.version() == CgroupVersion::kV2) {
    p.dir = above2(::open(p.cgroup.Dir("").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  return p;
}

std::optional<CgroupKey> CgroupPool::Missing() {
  for (const auto& [key, last_use] : keys_) {
    if (ready_[key].size() < depth_) return key;
  }
  return std::nullopt;
}

void CgroupPool::Refill() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (stop_) return;
    std::optional<CgroupKey> key = Missing();
    if (!key) {
      cv_.wait(lock);
      continue;
    }
    making_ = true;
    lock.unlock();
    auto cg = Make(*key);
    lock.lock();
    making_ = false;
    failed_ = !cg.ok();
    cv_.notify_all();
    if (!cg.ok()) {  // Take makes its own meanwhile
      cv_.wait_for(lock, std::chrono::seconds(1));
      continue;
    }
    if (keys_.count(*key)) {
      ready_[*key].push_back(std::move(*cg));
    } else {  // forgotten while it was made
      Discard(*cg);
    }
  }
}

}  // namespace nimbus::sandbox
