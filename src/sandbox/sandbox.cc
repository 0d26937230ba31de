// Sandbox handle: signals, reaping, exit status, cgroup queries.
#include "sandbox/sandbox.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "sandbox/cleaner.h"

namespace nimbus::sandbox {

std::string ExitStatus::Describe() const {
  if (exited) return "exit status " + std::to_string(code);
  const char* name = ::strsignal(signal);
  std::string text = name ? name : "signal " + std::to_string(signal);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "signal: " + text;
}

std::string SandboxCapabilities::Describe() const {
  std::string out = "sandbox: ";
  switch (isolation) {
    case Isolation::kNamespaces:
      out += "namespaces";
      break;
    case Isolation::kUserNamespace:
      out += "user namespace (not root)";
      break;
    case Isolation::kNone:
      out += "no namespaces (no /var/task, /opt or /tmp isolation)";
      break;
  }
  out += ", cgroup " + std::string(CgroupVersionName(cgroup_version));
  std::string off;
  auto add = [&](bool on, const char* what) {
    if (on) return;
    off += off.empty() ? "" : ", ";
    off += what;
  };
  add(memory_limit, "memory limit");
  add(cpu_quota, "cpu quota");
  add(cpuset, "visible cores");
  add(pids_limit, "pids limit");
  add(freezer, "freeze when idle");
  add(tmp_size_limit, "/tmp size");
  add(tmp_on_disk, "/tmp on disk");
  add(run_as_uid, "run as uid");
  add(user_namespace, "user namespace");
  add(seccomp, "seccomp");
  out += off.empty() ? ", all limits on" : "; off: " + off;
  return out;
}

Sandbox::~Sandbox() {
  Remains remains;
  if (!reaped_) {
    Kill();
    remains.unreaped_pid = pid_;
  }
  remains.cgroup = std::move(cgroup_);
  remains.scratch_root = std::move(scratch_root_);
  if (cleaner_) {
    cleaner_->Post(std::move(remains));
  } else {
    Finish(std::move(remains));
  }
}

SandboxGroup::~SandboxGroup() {
  if (!cgroup_) return;
  Remains remains;
  remains.cgroup = std::move(cgroup_);
  if (cleaner_) {
    cleaner_->Post(std::move(remains));
  } else {
    Finish(std::move(remains));
  }
}

void Sandbox::SignalAll(int sig) {
  if (reaped_) return;
  if (exit_fd_.valid() && ::syscall(SYS_pidfd_send_signal, exit_fd_.get(), sig, nullptr, 0) == 0) {
  } else {
    ::kill(pid_, sig);
  }
  if (sig == SIGKILL && !own_pid_namespace_) {
    ::kill(-pid_, SIGKILL);  // init's process group (it called setsid)
  }
  if (frozen_) (void)Thaw();  // signals wait for the thaw (v1: even SIGKILL)
}

void Sandbox::SignalTerminate() { SignalAll(SIGTERM); }

void Sandbox::Kill() {
  SignalAll(SIGKILL);
  if (!cgroup_) return;
  // In a pid namespace init's death takes the rest with it, one process after another; v2's
  // cgroup.kill has every process die at once (a fork bomb's thousand as fast as one).
  if (own_pid_namespace_) {
    (void)cgroup_->KillAtOnce();
  } else {
    (void)cgroup_->Kill();
  }
}

namespace {

ExitStatus FromWaitStatus(int raw) {
  ExitStatus s;
  if (WIFEXITED(raw)) {
    s.exited = true;
    s.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    s.signal = WTERMSIG(raw);
  }
  return s;
}

}  // namespace

std::optional<ExitStatus> Sandbox::TryWait() {
  if (reaped_) return status_;
  siginfo_t si;
  std::memset(&si, 0, sizeof(si));
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {  // ECHILD: someone else reaped it (SIGCHLD ignored); report a kill
    reaped_ = true;
    status_ = ExitStatus{false, 0, SIGKILL};
    return status_;
  }
  if (si.si_pid == 0) return std::nullopt;
  reaped_ = true;
  int32_t raw = 0;
  ssize_t n = ::read(status_fd_.get(), &raw, sizeof(raw));
  if (n == static_cast<ssize_t>(sizeof(raw))) {
    status_ = FromWaitStatus(raw);
  } else if (si.si_code == CLD_EXITED) {
    status_ = ExitStatus{true, si.si_status, 0};
  } else {
    status_ = ExitStatus{false, 0, si.si_status};
  }
  if (!own_pid_namespace_) {
    ::kill(-pid_, SIGKILL);
    if (cgroup_) (void)cgroup_->Kill();
  }
  return status_;
}

ExitStatus Sandbox::Wait() {
  for (;;) {
    if (auto s = TryWait()) return *s;
    struct pollfd pfd = {exit_fd(), POLLIN, 0};
    ::poll(&pfd, 1, exit_fd_.valid() ? -1 : 10);  // a pipe may stay quiet: poll with a period
  }
}

ExitStatus Sandbox::Terminate(std::chrono::milliseconds grace) {
  if (auto s = TryWait()) return *s;
  SignalTerminate();
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    if (auto s = TryWait()) return *s;
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    struct pollfd pfd = {exit_fd(), POLLIN, 0};
    ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 10)));
  }
  Kill();
  return Wait();
}

Status Sandbox::EndUnthrottledStart() {
  return cgroup_ ? cgroup_->ApplyPendingCpuQuota() : Status::Ok();
}

bool Sandbox::WasOomKilled() const { return cgroup_ && cgroup_->OomKilled(); }

Result<uint64_t> Sandbox::MaxMemoryUsedBytes() const {
  if (!cgroup_) return Status::Unavailable("no memory cgroup");
  return cgroup_->PeakMemoryBytes();
}

Result<uint64_t> Sandbox::ResidentBytes() const {
  if (!cgroup_) return Status::Unavailable("no cgroup");
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t sampled = resident_sampled_ns_.load(std::memory_order_acquire);
  if (sampled != 0 && now - sampled < 100'000'000) {
    return resident_bytes_.load(std::memory_order_relaxed);
  }
  std::string dir = cgroup_->Dir(cgroup_->version() == CgroupVersion::kV2 ? "" : "memory");
  for (const char* other : {"pids", "cpu", "freezer"}) {
    if (dir.empty()) dir = cgroup_->Dir(other);
  }
  if (dir.empty()) return Status::Unavailable("no cgroup");
  auto procs = ReadFile(dir + "/cgroup.procs");
  if (!procs.ok()) return procs.error();
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  uint64_t total = 0;
  size_t pos = 0;
  while (pos < procs->size()) {
    size_t end = procs->find('\n', pos);
    if (end == std::string::npos) end = procs->size();
    std::string pid = procs->substr(pos, end - pos);
    pos = end + 1;
    if (pid.empty()) continue;
    auto statm = ReadFile("/proc/" + pid + "/statm");  // "size resident shared ..." in pages
    if (!statm.ok()) continue;                          // gone meanwhile
    size_t space = statm->find(' ');
    if (space != std::string::npos) total += std::strtoull(statm->c_str() + space + 1, nullptr, 10);
  }
  resident_bytes_.store(total * page, std::memory_order_relaxed);
  resident_sampled_ns_.store(now, std::memory_order_release);
  return total * page;
}

Status Sandbox::Freeze() {
  if (!cgroup_) return Status::Unavailable("no cgroup");
  Status st = cgroup_->Freeze();
  if (st.ok()) frozen_ = true;
  return st;
}

Status Sandbox::Thaw() {
  if (!cgroup_) return Status::Unavailable("no cgroup");
  Status st = cgroup_->Thaw();
  if (st.ok()) frozen_ = false;
  return st;
}

}  // namespace nimbus::sandbox
