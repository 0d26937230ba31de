// The sandbox's init (PID 1 of its pid namespace): a freestanding program without libc, a few
// KiB, embedded in nimbus and exec'd by the cloned child once the sandbox is set up (see
// init_protocol.h for its arguments). Being its own small process instead of a copy of nimbus
// makes the clone cheap (the child shares nimbus's memory until this exec) and leaves nothing
// of nimbus's memory in the sandbox.
//
// It starts the function (vfork + exec) with the launch spec's least privilege: in the user
// namespace given (if any), as the spec's uid/gid, with only the spec's capabilities (bounding set
// included), no_new_privs and the seccomp filter nimbus built (seccomp.h). It forwards SIGTERM and
// friends to every process, reaps
// zombies, exits with the function's status (writing its raw wait status to STATUS first) and
// SIGKILLs everything when LIFELINE reports EOF (nimbus died). Inherited from the child: every
// signal blocked, default dispositions, its own session, PR_SET_PDEATHSIG, stdio on /dev/null.
#include <asm/ioctls.h>
#include <asm/unistd.h>
#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/poll.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/signal.h>
#include <linux/signalfd.h>
#include <linux/wait.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/clone_on_stack.h"
#include "sandbox/init_protocol.h"

#if !NIMBUS_HAVE_CLONE3_ON_STACK
#error "the sandbox init supports x86_64 and aarch64"
#endif

NIMBUS_DEFINE_CLONE3_ON_STACK;

// The compiler may emit calls to these for aggregate copies and zeroing.
extern "C" void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  while (n--) *d++ = static_cast<unsigned char>(c);
  return dst;
}
extern "C" void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  while (n--) *d++ = *s++;
  return dst;
}

namespace nimbus::sandbox {
namespace {

long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
#if defined(__x86_64__)
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  long ret;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
               : "rcx", "r11", "memory");
  return ret;
#else
  register long x8 asm("x8") = n;
  register long x0 asm("x0") = a;
  register long x1 asm("x1") = b;
  register long x2 asm("x2") = c;
  register long x3 asm("x3") = d;
  register long x4 asm("x4") = e;
  asm volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
  return x0;
#endif
}

template <typename T>
long Arg(T* p) {
  return reinterpret_cast<long>(p);
}

constexpr long kSigsetBytes = 8;  // the kernel's sigset_t for rt_sigprocmask/signalfd4

struct Config {
  int out = -1, err = -1, report = -1, status = -1, lifeline = -1;
  bool pid_namespace = false;
  int uid = -1, gid = -1;
  int user_namespace = -1;  // joined by the function process
  int seccomp = -1;         // the filter's file, read into `filter` before the function starts
  bool in_place = false;    // exec the function as this process (it becomes PID 1)
  uint64_t capabilities = 0;
  int in = -1;            // the function's stdin (exec into a sandbox); -1: init's (/dev/null)
  bool terminal = false;  // stdin is a terminal: the function leads a session with it
  sock_fprog filter = {0, nullptr};
  const char* oom_score_adj = nullptr;
  char** argv = nullptr;
  char** envp = nullptr;
};

[[noreturn]] void Exit(int code) {
  for (;;) Sys(__NR_exit_group, code);
}

[[noreturn]] void Fail(const Config& c, int32_t stage, long neg_errno) {
  ChildReport r{stage, static_cast<int32_t>(-neg_errno)};
  Sys(__NR_write, c.report, Arg(&r), sizeof(r));
  Exit(126);
}

size_t Length(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

// Parses the next (possibly negative) decimal of a space-separated list; false at the end.
bool NextInt(const char*& s, int64_t& out) {
  while (*s == ' ') ++s;
  if (!*s) return false;
  bool negative = *s == '-';
  if (negative) ++s;
  uint64_t v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + static_cast<uint64_t>(*s++ - '0');
  out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool ParseConfig(int argc, char** argv, char** envp, Config& c) {
  if (argc < 4) return false;
  int64_t v[12];
  const char* s = argv[1];
  for (int64_t& x : v) {
    if (!NextInt(s, x)) return false;
  }
  c.out = static_cast<int>(v[0]);
  c.err = static_cast<int>(v[1]);
  c.report = static_cast<int>(v[2]);
  c.status = static_cast<int>(v[3]);
  c.lifeline = static_cast<int>(v[4]);
  c.pid_namespace = v[5] != 0;
  c.uid = static_cast<int>(v[6]);
  c.gid = static_cast<int>(v[7]);
  c.user_namespace = static_cast<int>(v[8]);
  c.seccomp = static_cast<int>(v[9]);
  c.in_place = v[10] != 0;
  c.capabilities = static_cast<uint64_t>(v[11]);
  int64_t in = -1, terminal = 0;  // optional: SandboxManager::Exec's STDIN and TERMINAL
  if (NextInt(s, in) && NextInt(s, terminal)) {
    c.in = static_cast<int>(in);
    c.terminal = terminal != 0;
  }
  c.oom_score_adj = argv[2][0] ? argv[2] : nullptr;
  c.argv = argv + 3;
  c.envp = envp;
  return true;
}

void CloseFrom(unsigned lo, unsigned hi) {
  if (lo > hi) return;
  if (Sys(__NR_close_range, lo, hi, 0) == 0) return;
  for (unsigned fd = lo; fd <= hi && fd < 65536; ++fd) Sys(__NR_close, fd);
}

// Drops what the function must not have, in the order the kernel requires: the capability
// bounding set while CAP_SETPCAP is still held, then groups, gid and uid, then the remaining
// capability sets, then no_new_privs (which the filter needs without CAP_SYS_ADMIN), the filter
// last (it refuses setns, and capset is not needed after it).
void DropPrivileges(const Config& c) {
  for (long cap = 0; cap < 64; ++cap) {
    if ((c.capabilities >> cap) & 1) continue;
    long rc = Sys(__NR_prctl, PR_CAPBSET_DROP, cap);
    if (rc == -EINVAL) break;  // past the kernel's last capability
    if (rc != 0) Fail(c, kStageCapabilities, rc);
  }
  long rc = 0;
  if (c.gid >= 0) {
    rc = Sys(__NR_setgroups, 0, 0);
    if (rc == 0) rc = Sys(__NR_setresgid, c.gid, c.gid, c.gid);
    if (rc != 0) Fail(c, kStageCredentials, rc);
  }
  if (c.uid >= 0) {
    rc = Sys(__NR_setresuid, c.uid, c.uid, c.uid);
    if (rc != 0) Fail(c, kStageCredentials, rc);
  }
  // As Docker: a root process keeps the set in effective and permitted (exec recomputes them
  // from the bounding set); anyone else ends with none; nothing inheritable or ambient.
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (c.uid == 0) {
    data[0].effective = data[0].permitted = static_cast<uint32_t>(c.capabilities);
    data[1].effective = data[1].permitted = static_cast<uint32_t>(c.capabilities >> 32);
  }
  rc = Sys(__NR_capset, Arg(&header), Arg(data));
  if (rc == 0) rc = Sys(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (rc == 0) rc = Sys(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (rc != 0) Fail(c, kStageCapabilities, rc);
  if (c.filter.len > 0) {
    rc = Sys(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, Arg(&c.filter));
    if (rc != 0) Fail(c, kStageSeccomp, rc);
  }
}

// The function process, on its own stack while init waits (vfork). Touches nothing of init's.
[[noreturn]] void ExecFunction(void* arg) {
  const Config& c = *static_cast<const Config*>(arg);
  long rc = Sys(__NR_dup3, c.out, 1, 0);
  if (rc >= 0) rc = Sys(__NR_dup3, c.err, 2, 0);
  if (rc >= 0 && c.in >= 0) rc = Sys(__NR_dup3, c.in, 0, 0);
  if (rc >= 0 && c.terminal) {
    rc = Sys(__NR_setsid);
    if (rc >= 0) rc = Sys(__NR_ioctl, 0, TIOCSCTTY, 0);
  }
  if (rc < 0) Fail(c, kStageFds, rc);
  if (c.oom_score_adj) {
    long fd = Sys(__NR_openat, AT_FDCWD, Arg("/proc/self/oom_score_adj"), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      Sys(__NR_write, fd, Arg(c.oom_score_adj), static_cast<long>(Length(c.oom_score_adj)));
      Sys(__NR_close, fd);
    }
  }
  // Full capabilities inside the namespace until DropPrivileges; the mount namespace stays
  // owned by the host's, so none of them reaches a mount.
  if (c.user_namespace >= 0) {
    rc = Sys(__NR_setns, c.user_namespace, CLONE_NEWUSER);
    if (rc != 0) Fail(c, kStageUserNsJoin, rc);
  }
  CloseFrom(3, static_cast<unsigned>(c.report) - 1);  // report is close-on-exec
  CloseFrom(static_cast<unsigned>(c.report) + 1, ~0U);
  DropPrivileges(c);
  // In place, nothing watches nimbus's lifeline: the parent-death signal (which the uid
  // switch cleared) does, and survives the exec.
  if (c.in_place) Sys(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL);
  uint64_t none = 0;
  Sys(__NR_rt_sigprocmask, SIG_SETMASK, Arg(&none), 0, kSigsetBytes);
  rc = Sys(__NR_execve, Arg(c.argv[0]), Arg(c.argv), Arg(c.envp));
  Fail(c, kStageExec, rc);
}

alignas(16) char function_stack[64 * 1024];
sock_filter filter_program[BPF_MAXINSNS];

void SignalAll(const Config& c, long main_pid, int sig) {
  if (c.pid_namespace) {
    Sys(__NR_kill, -1, sig);  // every process of the namespace but init
  } else {
    Sys(__NR_kill, main_pid, sig);
    Sys(__NR_kill, 0, sig);  // the process group (includes init: filtered in Run)
  }
}

[[noreturn]] void Run(Config& c) {
  if (!c.pid_namespace) Sys(__NR_prctl, PR_SET_CHILD_SUBREAPER, 1);
  if (c.seccomp >= 0) {
    long n = Sys(__NR_pread64, c.seccomp, Arg(filter_program), sizeof(filter_program), 0);
    if (n <= 0 || n % static_cast<long>(sizeof(sock_filter)) != 0) {
      Fail(c, kStageSeccomp, n < 0 ? n : -EINVAL);
    }
    c.filter.len = static_cast<unsigned short>(n / static_cast<long>(sizeof(sock_filter)));
    c.filter.filter = filter_program;
    Sys(__NR_close, c.seccomp);
  }
  // The function must see EOF on report once it exec'd, and nothing of init's descriptors.
  const int own[] = {c.report, c.status, c.lifeline, c.user_namespace};
  for (int fd : own) {
    if (fd >= 0) Sys(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC);
  }
  if (c.in_place) ExecFunction(&c);  // no init: the function is PID 1 (Docker without --init)
  uint64_t watched = 0;
  const int forwarded[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (int s : forwarded) {
    watched |= uint64_t{1} << (s - 1);
  }
  Sys(__NR_rt_sigprocmask, SIG_BLOCK, Arg(&watched), 0, kSigsetBytes);  // already, normally
  long sfd = Sys(__NR_signalfd4, -1, Arg(&watched), kSigsetBytes, O_CLOEXEC | O_NONBLOCK);
  if (sfd < 0) Fail(c, kStageSignals, sfd);

  clone_args args{};
  args.flags = CLONE_VM | CLONE_VFORK;
  args.exit_signal = SIGCHLD;
  args.stack = reinterpret_cast<uint64_t>(function_stack);
  args.stack_size = sizeof(function_stack);
  long main_pid =
      nimbus_clone3_on_stack(&args, sizeof(args), ExecFunction, const_cast<Config*>(&c));
  if (main_pid == -ENOSYS) main_pid = Sys(__NR_clone, SIGCHLD, 0, 0, 0, 0);  // before 5.3: fork
  if (main_pid == 0) ExecFunction(const_cast<Config*>(&c));
  if (main_pid < 0) Fail(c, kStageFork, main_pid);
  // The function exec'd (or reported its failure): nimbus sees EOF on report.
  Sys(__NR_close, c.report);
  Sys(__NR_close, c.out);
  Sys(__NR_close, c.err);
  if (c.in >= 0) Sys(__NR_close, c.in);

  long self = Sys(__NR_getpid);
  for (;;) {
    pollfd fds[2] = {{static_cast<int>(sfd), POLLIN, 0}, {c.lifeline, POLLIN, 0}};
    long n = Sys(__NR_ppoll, Arg(fds), c.lifeline >= 0 ? 2 : 1, 0, 0, 0);
    if (n < 0) continue;
    if (c.lifeline >= 0 && fds[1].revents != 0) {  // nimbus is gone
      SignalAll(c, main_pid, SIGKILL);
      Exit(137);
    }
    signalfd_siginfo si;
    while (Sys(__NR_read, sfd, Arg(&si), sizeof(si)) == static_cast<long>(sizeof(si))) {
      int sig = static_cast<int>(si.ssi_signo);
      if (sig == SIGCHLD) continue;
      if (static_cast<long>(si.ssi_pid) == self) continue;  // our own group signal
      SignalAll(c, main_pid, sig);
    }
    int status = 0;
    long w;
    while ((w = Sys(__NR_wait4, -1, Arg(&status), WNOHANG, 0)) > 0) {
      if (w != main_pid) continue;
      int32_t raw = status;
      Sys(__NR_write, c.status, Arg(&raw), sizeof(raw));
      if (!c.pid_namespace) Sys(__NR_kill, 0, SIGKILL);  // stragglers of the group, and init
      // PID 1 exiting kills the rest of the namespace.
      if ((status & 0x7f) == 0) Exit((status >> 8) & 0xff);  // exited
      Exit(128 + (status & 0x7f));                           // killed by a signal
    }
  }
}

}  // namespace
}  // namespace nimbus::sandbox

extern "C" [[noreturn]] void InitMain(long* sp) {
  using namespace nimbus::sandbox;
  int argc = static_cast<int>(sp[0]);
  char** argv = reinterpret_cast<char**>(sp + 1);
  char** envp = argv + argc + 1;
  Config c;
  if (!ParseConfig(argc, argv, envp, c)) Exit(125);
  Run(c);
}

// The entry point: the kernel's initial stack holds argc, argv..., 0, envp..., 0.
#if defined(__x86_64__)
asm(".pushsection .text\n"
    ".globl _start\n"
    "_start:\n"
    "  xor %ebp, %ebp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call InitMain\n"
    "  hlt\n"
    ".popsection\n");
#else
asm(".pushsection .text\n"
    ".globl _start\n"
    "_start:\n"
    "  mov x29, xzr\n"
    "  mov x30, xzr\n"
    "  mov x0, sp\n"
    "  bl InitMain\n"
    "  brk #0\n"
    ".popsection\n");
#endif
