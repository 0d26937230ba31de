// Internal to the sandbox module: the plan the cloned child executes, and the child itself.
//
// Everything is prepared in the parent (allocation allowed) so that after clone the child only
// makes async-signal-safe system calls: no malloc, no locks, no C++ runtime. It may share
// nimbus's memory (CLONE_VM, the parent thread waiting as in vfork): it writes nothing but its
// own stack. Once the sandbox is set up it execs the init program (init_protocol.h), which
// starts the function. The child and init report a failed step to the parent as a ChildReport
// on a CLOEXEC pipe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sandbox/init_protocol.h"

namespace nimbus::sandbox {

// One file-system step before pivot_root. Paths are absolute host paths (targets live under
// the staging root).
struct ChildOp {
  enum Kind : uint8_t {
    kMkdir,            // mkdir(target, mode); EEXIST is fine
    kSymlink,          // symlink(source -> target)
    kTouch,            // create an empty regular file (a bind-mount target)
    kMount,            // mount(source, target, fstype, flags, data)
    kBindReadOnly,     // recursive bind of source at target, then read-only, nosuid, nodev
    kRemountReadOnly,  // make the mount at target read-only (keeps locked flags)
    kAttach,           // move_mount the detached mount `fd` onto target
  };
  Kind kind;
  const char* source = nullptr;
  const char* target = nullptr;
  const char* fstype = nullptr;
  const char* data = nullptr;
  unsigned long flags = 0;
  unsigned mode = 0755;
  int fd = -1;  // kAttach
};

struct ChildPlan {
  // Stable storage for every string the raw pointers below point into.
  std::deque<std::string> storage;
  const char* Keep(std::string s) { return storage.emplace_back(std::move(s)).c_str(); }

  bool mount_namespace = false;   // run the ops and pivot_root
  bool pid_namespace = false;     // the child is PID 1 of a new pid namespace
  bool user_namespace = false;    // write uid_map/gid_map for itself
  bool cgroup_namespace = false;  // unshare a cgroup namespace once inside the cgroup
  const char* uid_map = nullptr;  // e.g. "0 1000 1"
  const char* gid_map = nullptr;
  std::vector<ChildOp> ops;                        // before pivot_root
  const char* new_root = nullptr;                  // staging directory (a tmpfs after the first op)
  std::vector<const char*> read_only_after_pivot;  // remounted read-only after pivot_root
  const char* hostname = nullptr;                  // nullptr: leave as is
  const char* workdir = nullptr;
  const char* oom_score_adj = nullptr;  // restored in the function process (init lowers its own)
  unsigned open_files_limit = 0;        // RLIMIT_NOFILE soft and hard (at most nimbus's); 0: keep
  struct Limit {
    int resource;
    uint64_t soft, hard;
    const char* name;  // for error messages
  };
  std::vector<Limit> resource_limits;  // setrlimit after open_files_limit; a failure is stage
                                       // kStageLimitBase - index

  std::vector<char*> argv;       // the function's, null-terminated
  std::vector<char*> envp;       // null-terminated
  std::vector<char*> init_argv;  // see init_protocol.h; SetInitArguments fills it
  int init_fd = -1;              // the init program (execveat AT_EMPTY_PATH)
  int uid = -1;                  // -1: keep
  int netns_fd = -1;             // setns(CLONE_NEWNET) first thing; -1: stay in nimbus's
  // Namespaces of a running sandbox to join (setns, in order; the mount namespace last) once in
  // its cgroup: SandboxManager::Exec. Closed by init's exec (close-on-exec).
  std::vector<int> join_namespace_fds;
  int gid = -1;
  uint64_t capabilities = 0;     // the function's (bounding set, and effective when uid is 0)
  bool program_is_pid1 = false;  // init execs the function in its place (init_protocol.h)
  bool loopback_up = false;      // bring `lo` up (a network namespace of its own)

  // Descriptors inherited from the parent (all others are closed in the child).
  std::vector<int> cgroup_procs_fds;  // "0" is written to each
  int tmp_mount_fd = -1;              // the /tmp volume (kAttach's fd), closed after the ops
  int stdout_fd = -1;
  int stderr_fd = -1;
  int stdin_fd = -1;      // exec with a terminal: the function's stdin (init's STDIN)
  bool terminal = false;  // ... which is its controlling terminal (init's TERMINAL)
  int report_fd = -1;          // CLOEXEC; ChildReport on failure, EOF once the function exec'd
  int status_fd = -1;          // init writes the function's raw wait status (int32) here
  int lifeline_fd = -1;        // read end; EOF means nimbus died: kill everything
  int user_namespace_fd = -1;  // the function joins it (init_protocol.h USERNS)
  int seccomp_fd = -1;         // the function's filter (init_protocol.h SECCOMP)
};

// Describes stage `stage` of `plan` for error messages ("mount tmpfs on /tmp", "execve", ...).
std::string DescribeChildStage(const ChildPlan& plan, int32_t stage);

// The child's entry point after clone: sets the sandbox up and execs init. Never returns.
// Async-signal-safe only; writes nothing outside its own stack.
[[noreturn]] void RunChild(const ChildPlan& plan);

}  // namespace nimbus::sandbox
