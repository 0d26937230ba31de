// Internal to the sandbox module: the system call filter every sandboxed process runs under, the
// equivalent of Docker's default seccomp profile as classic BPF.
//
// What Docker allows a container with capability set C is what this allows a process launched
// with C: every system call except those that reach outside a container (mount and the new
// mount API, namespaces, keyrings, bpf, perf, kexec and modules, swap, reboot, clock setting,
// io_uring, userfaultfd, NUMA policy, handle-based opens, ...) unless C holds the capability
// Docker grants them with (CAP_SYS_ADMIN: mount, unshare, setns, namespace flags of clone, clone3;
// CAP_SYS_CHROOT: chroot; ...). Arguments are checked as Docker checks them: clone with namespace
// flags, socket(AF_VSOCK) and personality other than the usual personas are refused; clone3 fails
// with ENOSYS (its flags cannot be inspected; libc falls back to clone). Refusals are EPERM, as in
// Docker. Only the native architecture's ABI is allowed (a 32-bit or x32 call kills the process);
// system calls newer than this table knows fail with ENOSYS.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

// The filter for a process whose capability set is `capabilities` (bit N = capability N). Pure.
std::vector<sock_filter> BuildSeccompFilter(uint64_t capabilities);

// The filter as a sealed memfd holding the sock_filter array (what the sandbox's init reads and
// installs before it execs the function). Close-on-exec. Fails when memfds are unavailable.
Result<UniqueFd> SeccompFilterFile(uint64_t capabilities);

}  // namespace nimbus::sandbox
