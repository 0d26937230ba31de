// Docker's default seccomp profile as a deny table over the native ABI (see seccomp.h).
#include "sandbox/seccomp.h"

#include <asm/unistd.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

namespace nimbus::sandbox {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
#error "the sandbox's seccomp filter supports x86_64 and aarch64"
#endif

// System calls up to this number are judged by the table below (numbers from 424 on are the
// same on every architecture); later ones fail with ENOSYS, as on an older kernel.
constexpr uint32_t kLastKnownSyscall = 469;  // file_setattr (6.17)

constexpr uint64_t Cap(int c) { return uint64_t{1} << c; }

// A system call Docker's default profile refuses unless the container holds one of `caps`
// (0: refused to every container).
struct Denied {
  int nr;
  uint64_t caps;
};

constexpr uint64_t kAdmin = Cap(CAP_SYS_ADMIN);

const Denied kDenied[] = {
    // The mount API and namespaces.
    {__NR_mount, kAdmin},
    {__NR_umount2, kAdmin},
    {__NR_pivot_root, 0},
    {__NR_unshare, kAdmin},
    {__NR_setns, kAdmin},
    {__NR_open_tree, kAdmin},
    {__NR_move_mount, kAdmin},
    {__NR_fsopen, kAdmin},
    {__NR_fsconfig, kAdmin},
    {__NR_fsmount, kAdmin},
    {__NR_fspick, kAdmin},
    {__NR_mount_setattr, kAdmin},
    {457, 0},  // statmount
    {458, 0},  // listmount
    {467, 0},  // open_tree_attr
    {__NR_chroot, Cap(CAP_SYS_CHROOT)},
    {__NR_sethostname, kAdmin},
    {__NR_setdomainname, kAdmin},
    // Kernel-wide state.
    {__NR_syslog, kAdmin | Cap(CAP_SYSLOG)},
    {__NR_acct, Cap(CAP_SYS_PACCT)},
    {__NR_settimeofday, Cap(CAP_SYS_TIME)},
    {__NR_clock_settime, Cap(CAP_SYS_TIME)},
    {__NR_reboot, Cap(CAP_SYS_BOOT)},
    {__NR_swapon, 0},
    {__NR_swapoff, 0},
    {__NR_kexec_load, 0},
    {__NR_kexec_file_load, 0},
    {__NR_init_module, Cap(CAP_SYS_MODULE)},
    {__NR_finit_module, Cap(CAP_SYS_MODULE)},
    {__NR_delete_module, Cap(CAP_SYS_MODULE)},
    {__NR_quotactl, kAdmin},
    {__NR_quotactl_fd, kAdmin},
#ifdef __NR_nfsservctl  // removed from newer kernel headers
    {__NR_nfsservctl, 0},
#endif
#ifdef __NR_lookup_dcookie
    {__NR_lookup_dcookie, kAdmin},
#endif
    {__NR_vhangup, Cap(CAP_SYS_TTY_CONFIG)},
    {460, 0},  // lsm_set_self_attr
    // Keyrings, bpf, perf, fanotify, handles.
    {__NR_add_key, 0},
    {__NR_request_key, 0},
    {__NR_keyctl, 0},
    {__NR_bpf, kAdmin | Cap(CAP_BPF)},
    {__NR_perf_event_open, kAdmin | Cap(CAP_PERFMON)},
    {__NR_fanotify_init, kAdmin},
    {__NR_open_by_handle_at, Cap(CAP_DAC_READ_SEARCH)},
    {__NR_userfaultfd, 0},
    {__NR_io_uring_setup, 0},
    {__NR_io_uring_enter, 0},
    {__NR_io_uring_register, 0},
    // Other processes and memory policy.
    {__NR_kcmp, Cap(CAP_SYS_PTRACE)},
    {__NR_pidfd_getfd, Cap(CAP_SYS_PTRACE)},
    {__NR_process_madvise, Cap(CAP_SYS_PTRACE)},
    {__NR_migrate_pages, 0},
    {__NR_move_pages, 0},
    {__NR_mbind, Cap(CAP_SYS_NICE)},
    {__NR_get_mempolicy, Cap(CAP_SYS_NICE)},
    {__NR_set_mempolicy, Cap(CAP_SYS_NICE)},
    {__NR_set_mempolicy_home_node, Cap(CAP_SYS_NICE)},
#if defined(__x86_64__)
    // x86_64 only: port I/O, and obsolete or never implemented calls.
    {__NR_iopl, Cap(CAP_SYS_RAWIO)},
    {__NR_ioperm, Cap(CAP_SYS_RAWIO)},
    {__NR_uselib, 0},
    {__NR_ustat, 0},
    {__NR_sysfs, 0},
    {__NR__sysctl, 0},
    {__NR_create_module, 0},
    {__NR_get_kernel_syms, 0},
    {__NR_query_module, 0},
    {__NR_getpmsg, 0},
    {__NR_putpmsg, 0},
    {__NR_afs_syscall, 0},
    {__NR_tuxcall, 0},
    {__NR_security, 0},
    {__NR_vserver, 0},
#endif
};

constexpr uint32_t kNamespaceFlags = 0x7E020000;  // CLONE_NEW{NS,CGROUP,UTS,IPC,USER,PID,NET}
constexpr uint32_t kAfVsock = 40;
// personality() values Docker allows: PER_LINUX, PER_LINUX32, UNAME26, their combination, and
// 0xffffffff (query).
constexpr uint32_t kPersonas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr uint32_t kArg0Low = offsetof(seccomp_data, args);  // little-endian: low half first

sock_filter Stmt(uint16_t code, uint32_t k) { return {code, 0, 0, k}; }
sock_filter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { return {code, jt, jf, k}; }

// Appends code returning `action` when the number in A is one of sorted `nrs[lo, hi)`, and
// allowing the call otherwise: a binary search (JGE splits) over small linear leaves. Classic
// BPF jumps reach 255 instructions forward; a subtree too large for that is emitted as a list.
void EmitSearch(std::vector<sock_filter>& f, const std::vector<uint32_t>& nrs, size_t lo, size_t hi,
                uint32_t action) {
  auto linear = [&](size_t from, size_t to) {
    size_t k = to - from;
    for (size_t i = from; i < to; ++i) {  // to the RET `action` after the RET ALLOW
      f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], static_cast<uint8_t>(to - i), 0));
    }
    f.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    if (k > 0) f.push_back(Stmt(BPF_RET | BPF_K, action));
  };
  if (hi - lo <= 4) return linear(lo, hi);
  size_t mid = lo + (hi - lo) / 2;
  std::vector<sock_filter> right;
  EmitSearch(right, nrs, mid, hi, action);
  if (right.size() > 255) return linear(lo, hi);
  f.push_back(Jump(BPF_JMP | BPF_JGE | BPF_K, nrs[mid], 0, static_cast<uint8_t>(right.size())));
  f.insert(f.end(), right.begin(), right.end());
  EmitSearch(f, nrs, lo, mid, action);
}

}  // namespace

std::vector<sock_filter> BuildSeccompFilter(uint64_t capabilities) {
  const uint32_t kAllow = SECCOMP_RET_ALLOW;
  const uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;
  const uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
  const bool admin = (capabilities & kAdmin) != 0;
  std::vector<sock_filter> f;
  f.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kArchOffset));
  f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, kNativeArch, 1, 0));
  f.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  f.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset));
  // x32 calls (0x40000000 and up) land here too.
  f.push_back(Jump(BPF_JMP | BPF_JGT | BPF_K, kLastKnownSyscall, 0, 1));
  f.push_back(Stmt(BPF_RET | BPF_K, kEnosys));
  auto refuse = [&](uint32_t nr, uint32_t action) {
    f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
    f.push_back(Stmt(BPF_RET | BPF_K, action));
  };
  if (!admin) {
    refuse(__NR_clone3, kEnosys);
    // clone: no namespace flags (its first argument on x86_64 and aarch64).
    f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4));
    f.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kArg0Low));
    f.push_back(Jump(BPF_JMP | BPF_JSET | BPF_K, kNamespaceFlags, 0, 1));
    f.push_back(Stmt(BPF_RET | BPF_K, kEperm));
    f.push_back(Stmt(BPF_RET | BPF_K, kAllow));
  }
  // socket: no AF_VSOCK.
  f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4));
  f.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kArg0Low));
  f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, kAfVsock, 0, 1));
  f.push_back(Stmt(BPF_RET | BPF_K, kEperm));
  f.push_back(Stmt(BPF_RET | BPF_K, kAllow));
  // personality: the usual personas only.
  constexpr uint8_t n = sizeof(kPersonas) / sizeof(kPersonas[0]);
  f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, 0, n + 3));
  f.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kArg0Low));
  for (uint8_t i = 0; i < n; ++i) {
    f.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, kPersonas[i], static_cast<uint8_t>(n - i), 0));
  }
  f.push_back(Stmt(BPF_RET | BPF_K, kEperm));
  f.push_back(Stmt(BPF_RET | BPF_K, kAllow));
  // The rest by number: a search tree, so that a call takes a handful of comparisons (and the
  // kernel's per-number cache, built at install time, a fraction of the time a list takes).
  std::vector<uint32_t> denied;
  for (const Denied& d : kDenied) {
    if ((d.caps & capabilities) == 0) denied.push_back(static_cast<uint32_t>(d.nr));
  }
  std::sort(denied.begin(), denied.end());
  denied.erase(std::unique(denied.begin(), denied.end()), denied.end());
  EmitSearch(f, denied, 0, denied.size(), kEperm);
  return f;
}

Result<UniqueFd> SeccompFilterFile(uint64_t capabilities) {
  std::vector<sock_filter> filter = BuildSeccompFilter(capabilities);
  UniqueFd fd(::memfd_create("nimbus-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return ErrnoStatus("memfd_create", errno);
  const char* p = reinterpret_cast<const char*>(filter.data());
  size_t left = filter.size() * sizeof(sock_filter);
  while (left > 0) {
    ssize_t w = ::write(fd.get(), p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return ErrnoStatus("write seccomp filter", w < 0 ? errno : EIO);
    p += w;
    left -= static_cast<size_t>(w);
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) !=
      0) {
    return ErrnoStatus("seal seccomp filter", errno);
  }
  return fd;
}

}  // namespace nimbus::sandbox
