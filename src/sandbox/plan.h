// Internal to the sandbox module: turns a SandboxSpec into the ChildPlan the cloned child runs.
// Pure apart from lstat/readlink of the host's top-level directories; testable without root.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "sandbox/child.h"
#include "sandbox/sandbox.h"

namespace nimbus::sandbox {

struct PlanContext {
  bool mount_namespace = true;  // build the root file system and pivot_root
  bool pid_namespace = true;
  bool user_namespace = false;    // map outer_uid/outer_gid to 0 inside
  bool uts_namespace = true;      // set the hostname
  bool allow_credentials = true;  // honour spec.uid/gid
  uid_t outer_uid = 0;
  gid_t outer_gid = 0;
  std::string staging_dir;      // empty directory used as the new root's mount point
  std::string host_root = "/";  // where /usr, /lib*, /etc, /dev/null ... are looked up
  std::string oom_score_adj;    // nimbus's value, restored in the function ("" = leave)
  // /proc entries hidden as Docker hides them (names under /proc, only those that exist):
  // files covered by /dev/null, directories by `empty_dir` (an empty directory), and entries
  // made read-only.
  std::vector<std::string> proc_masked_files, proc_masked_dirs, proc_read_only;
  std::string empty_dir;
  // Empty directories proc, dev and tmp (owned by root inside the sandbox): the top layer of a
  // read-only image root, where the sandbox's own /proc, /dev and /tmp are mounted.
  std::string image_mount_points;
};

// Fills ctx's /proc lists with the entries of Docker's masked and read-only paths that exist
// under `proc` (normally "/proc").
void FindProcMasks(const std::string& proc, PlanContext& ctx);

// Validates `spec` (InvalidArgument on bad input) and builds the plan. The returned plan's
// argv/envp point into its own storage; descriptors are left at -1 for the caller to fill.
// `tmp_mount_fd`: a detached mount (a disk-backed volume of spec.ephemeral_storage_mb) the
// child attaches at /tmp; -1: a tmpfs of that size.
Result<std::unique_ptr<ChildPlan>> BuildChildPlan(const SandboxSpec& spec, const PlanContext& ctx,
                                                  int tmp_mount_fd = -1);

// Adds `limits` to plan.resource_limits (their names kept in the plan's storage).
void SetResourceLimits(ChildPlan& plan, const std::vector<ResourceLimit>& limits);

// Fills plan.init_argv (init_protocol.h) from plan's descriptors, settings and argv; call once
// the descriptors are set.
void SetInitArguments(ChildPlan& plan);

}  // namespace nimbus::sandbox
