// The cloned child (PID 1 of the sandbox until it execs init): sets the sandbox up. Async-signal-
// safe system calls only: it runs in (a copy of) a multithreaded process's memory.
#include "sandbox/child.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nimbus::sandbox {
namespace {

struct MountAttr {  // struct mount_attr (linux/mount.h clashes with sys/mount.h)
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
constexpr unsigned kAtRecursive = 0x8000;
constexpr uint64_t kMountAttrReadOnly = 0x1;
constexpr uint64_t kMountAttrNoSuid = 0x2;
constexpr uint64_t kMountAttrNoDev = 0x4;
constexpr unsigned kMoveMountFEmptyPath = 0x4;

[[noreturn]] void Fail(const ChildPlan& p, int32_t stage, int err) {
  ChildReport r{stage, err};
  (void)!::write(p.report_fd, &r, sizeof(r));
  ::_exit(126);
}

bool WriteString(int fd, const char* s) {
  size_t n = std::strlen(s);
  return ::write(fd, s, n) == static_cast<ssize_t>(n);
}

bool WriteFileAt(const char* path, const char* s) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = WriteString(fd, s);
  ::close(fd);
  return ok;
}

void CloseRange(unsigned lo, unsigned hi) {
  if (lo > hi) return;
  if (::syscall(SYS_close_range, lo, hi, 0) == 0) return;
  struct rlimit rl = {1024, 1024};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  for (rlim_t fd = lo; fd <= hi && fd < rl.rlim_cur; ++fd) ::close(static_cast<int>(fd));
}

// Read-only for the mount at `target` (and below when recursive), keeping flags the kernel
// locks in a user namespace (nosuid, nodev, noexec, atime); `secure` adds nosuid and nodev.
int MakeReadOnly(const char* target, bool recursive, bool secure = false) {
  MountAttr attr{kMountAttrReadOnly | (secure ? kMountAttrNoSuid | kMountAttrNoDev : 0), 0, 0, 0};
  if (::syscall(SYS_mount_setattr, AT_FDCWD, target, recursive ? kAtRecursive : 0, &attr,
                sizeof(attr)) == 0) {
    return 0;
  }
  struct statfs sf;
  if (::statfs(target, &sf) != 0) return errno;
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (secure || (sf.f_flags & ST_NOSUID)) flags |= MS_NOSUID;
  if (secure || (sf.f_flags & ST_NODEV)) flags |= MS_NODEV;
  if (sf.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
  if (sf.f_flags & ST_NOATIME) flags |= MS_NOATIME;
  if (sf.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (sf.f_flags & ST_RELATIME) flags |= MS_RELATIME;
  return ::mount(nullptr, target, nullptr, flags, nullptr) == 0 ? 0 : errno;
}

int RunOp(const ChildOp& op) {
  switch (op.kind) {
    case ChildOp::kMkdir:
      return ::mkdir(op.target, op.mode) == 0 || errno == EEXIST ? 0 : errno;
    case ChildOp::kSymlink:
      return ::symlink(op.source, op.target) == 0 ? 0 : errno;
    case ChildOp::kTouch: {
      int fd = ::open(op.target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) return errno;
      ::close(fd);
      return 0;
    }
    case ChildOp::kMount:
      return ::mount(op.source, op.target, op.fstype, op.flags, op.data) == 0 ? 0 : errno;
    case ChildOp::kBindReadOnly:
      if (::mount(op.source, op.target, nullptr, MS_BIND | MS_REC, nullptr) != 0) return errno;
      return MakeReadOnly(op.target, true, true);
    case ChildOp::kRemountReadOnly:
      return MakeReadOnly(op.target, false);
    case ChildOp::kAttach:
      return ::syscall(SYS_move_mount, op.fd, "", AT_FDCWD, op.target, kMoveMountFEmptyPath) == 0
                 ? 0
                 : errno;
  }
  return EINVAL;
}

}  // namespace

[[noreturn]] void RunChild(const ChildPlan& p) {
  // If nimbus dies (even by SIGKILL), the environment goes with it: no orphaned functions.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // Signals: everything blocked (init reads them from a signalfd), default dispositions so the
  // function does not inherit nimbus's ignored signals (SIGPIPE).
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) ::sigaction(s, &dfl, nullptr);
  }
  ::setsid();  // own session: nimbus's terminal signals do not reach the sandbox
  // The network namespace first, while the child still has every privilege (and before the
  // descriptor clean-up below closes, or stdio replaces, the namespace's descriptor).
  if (p.netns_fd >= 0 && ::setns(p.netns_fd, CLONE_NEWNET) != 0) Fail(p, kStageNetwork, errno);

  // Descriptors: keep only the plan's; stdin/stdout/stderr of init become /dev/null.
  int keep[24];
  int nkeep = 0;
  for (int fd : {p.stdout_fd, p.stderr_fd, p.stdin_fd, p.report_fd, p.status_fd, p.lifeline_fd,
                 p.tmp_mount_fd, p.init_fd, p.user_namespace_fd, p.seccomp_fd}) {
    if (fd >= 3 && nkeep < 24) keep[nkeep++] = fd;
  }
  for (int fd : p.cgroup_procs_fds) {
    if (fd >= 3 && nkeep < 24) keep[nkeep++] = fd;
  }
  for (int fd : p.join_namespace_fds) {
    if (fd >= 3 && nkeep < 24) keep[nkeep++] = fd;
  }
  for (int i = 1; i < nkeep; ++i) {  // insertion sort: no library calls
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; --j) std::swap(keep[j - 1], keep[j]);
  }
  unsigned lo = 3;
  for (int i = 0; i < nkeep; ++i) {
    if (static_cast<unsigned>(keep[i]) > lo) CloseRange(lo, static_cast<unsigned>(keep[i]) - 1);
    lo = static_cast<unsigned>(keep[i]) + 1;
  }
  CloseRange(lo, ~0U);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) Fail(p, kStageFds, errno);
  for (int fd = 0; fd < 3; ++fd) {
    if (::dup2(devnull, fd) < 0) Fail(p, kStageFds, errno);
  }
  ::close(devnull);

  for (int fd : p.cgroup_procs_fds) {
    if (!WriteString(fd, "0")) Fail(p, kStageCgroup, errno);
    ::close(fd);
  }
  // The OOM killer should pick the function, not init. (Sharing nimbus's memory, this process
  // still has a value of its own: the kernel spreads a new value over the processes sharing the
  // memory except vfork children, which this is.)
  if (p.oom_score_adj) WriteFileAt("/proc/self/oom_score_adj", "-1000");
  if (p.user_namespace) {
    WriteFileAt("/proc/self/setgroups", "deny");
    if (!WriteFileAt("/proc/self/uid_map", p.uid_map) ||
        !WriteFileAt("/proc/self/gid_map", p.gid_map)) {
      Fail(p, kStageUserNs, errno);
    }
  }
  if (p.cgroup_namespace) ::unshare(CLONE_NEWCGROUP);  // best effort: "/" inside
  // Exec: into a running sandbox's namespaces (after the cgroup, whose move a cgroup namespace
  // could refuse, and the write to /proc/self, which its /proc does not show).
  for (int fd : p.join_namespace_fds) {
    if (::setns(fd, 0) != 0) Fail(p, kStageJoin, errno);
  }

  if (p.mount_namespace) {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      Fail(p, kStagePrivate, errno);
    }
    for (size_t i = 0; i < p.ops.size(); ++i) {
      int err = RunOp(p.ops[i]);
      if (err != 0) Fail(p, static_cast<int32_t>(i), err);
    }
    if (p.tmp_mount_fd >= 0) ::close(p.tmp_mount_fd);
    if (::chdir(p.new_root) != 0 || ::syscall(SYS_pivot_root, ".", ".") != 0 ||
        ::umount2(".", MNT_DETACH) != 0 || ::chdir("/") != 0) {
      Fail(p, kStagePivot, errno);
    }
    for (const char* path : p.read_only_after_pivot) {
      int err = MakeReadOnly(path, false);
      if (err != 0) Fail(p, kStagePivot, err);
    }
  }
  if (p.loopback_up) {  // as in Docker's --network none: lo up, nothing else
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    std::memset(&ifr, 0, sizeof(ifr));
    std::memcpy(ifr.ifr_name, "lo", 3);
    ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    if (sock < 0 || ::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) Fail(p, kStageLoopback, errno);
    ::close(sock);
  }
  if (p.hostname && ::sethostname(p.hostname, std::strlen(p.hostname)) != 0) {
    Fail(p, kStageHostname, errno);
  }
  if (p.workdir && ::chdir(p.workdir) != 0) Fail(p, kStageChdir, errno);
  if (p.open_files_limit > 0) {  // lowering needs no privilege; init and the function inherit it
    struct rlimit rl;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
      rlim_t n = p.open_files_limit;
      if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n) n = rl.rlim_max;
      rl.rlim_cur = rl.rlim_max = n;
      ::setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  for (size_t i = 0; i < p.resource_limits.size(); ++i) {
    const ChildPlan::Limit& limit = p.resource_limits[i];
    struct rlimit rl = {static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)};
    if (::setrlimit(static_cast<__rlimit_resource>(limit.resource), &rl) != 0) {
      Fail(p, kStageLimitBase - static_cast<int32_t>(i), errno);
    }
  }
  // init inherits these across its exec (it makes them close-on-exec again for the function).
  for (int fd : {p.stdout_fd, p.stderr_fd, p.stdin_fd, p.report_fd, p.status_fd, p.lifeline_fd,
                 p.user_namespace_fd, p.seccomp_fd}) {
    if (fd >= 0 && ::fcntl(fd, F_SETFD, 0) != 0) Fail(p, kStageFds, errno);
  }
  ::syscall(SYS_execveat, p.init_fd, "", p.init_argv.data(), p.envp.data(), AT_EMPTY_PATH);
  Fail(p, kStageInit, errno);
}

}  // namespace nimbus::sandbox
