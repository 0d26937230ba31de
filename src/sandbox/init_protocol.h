// Internal to the sandbox module: what nimbus and the sandbox's init program (src/sandbox/init,
// a separate freestanding executable) agree on. No library headers: init is built without libc.
//
// The cloned child sets the sandbox up, then execs init with
//   argv = {"init", CONFIG, OOM_SCORE_ADJ, function argv..., nullptr}, envp = the function's,
// CONFIG = "STDOUT STDERR REPORT STATUS LIFELINE PID_NAMESPACE UID GID USERNS SECCOMP IN_PLACE
// CAPS" (decimal, -1 = none) naming inherited descriptors (not close-on-exec) and settings:
// USERNS a user namespace the function joins, SECCOMP a file holding its sock_filter program,
// IN_PLACE 1 when init execs the function itself (which becomes PID 1, STATUS unused), CAPS its
// capability set (bit N = capability N); OOM_SCORE_ADJ is the value the function process gets
// back ("" = leave init's). A terminal exec (ExecSpec::terminal_fd) appends "STDIN TERMINAL": the
// function's stdin, and 1 when it is a terminal the function takes as its controlling one in a
// session of its own.
#pragma once

#include <stdint.h>

namespace nimbus::sandbox {

// Fixed steps of the child and of init, for error reports (the child's mount steps use their
// index >= 0).
enum ChildStage : int32_t {
  kStageExec = -1,
  kStageCgroup = -2,
  kStageUserNs = -3,
  kStagePivot = -4,
  kStageHostname = -5,
  kStageChdir = -6,
  kStageCredentials = -7,
  kStageFork = -8,
  kStageFds = -9,
  kStageSignals = -10,
  kStagePrivate = -11,
  kStageInit = -12,  // exec of init itself
  kStageNetwork = -13,
  kStageUserNsJoin = -14,
  kStageCapabilities = -15,
  kStageSeccomp = -16,
  kStageLoopback = -17,
  kStageJoin = -18,        // setns into a running sandbox's namespaces (SandboxManager::Exec)
  kStageLimitBase = -100,  // setrlimit of ChildPlan::resource_limits[kStageLimitBase - stage]
};

// Written to the report descriptor on failure: which step, and errno. EOF on that descriptor
// (close-on-exec) without a report means the function exec'd.
struct ChildReport {
  int32_t stage;
  int32_t error;
};

}  // namespace nimbus::sandbox
