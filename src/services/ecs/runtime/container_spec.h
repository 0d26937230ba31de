// The sandbox launch spec of one ECS container: its image root (the image's layers under the
// container's own upper dir), argv/env/working dir/user merged as Docker merges them, Docker's
// default capabilities, PID 1 semantics unless linuxParameters.initProcessEnabled, and its
// limits (memory hard limit, cpu shares, the task's cpu as a quota, ulimits, nofile 65535 by
// default). Pure apart from reading the image's passwd/group and looking up the executable in its
// layers.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "image/image_cache.h"
#include "protocol/call.h"
#include "sandbox/sandbox.h"

namespace nimbus::ecs {

struct ContainerSpecInput {
  const Value* definition = nullptr;  // the container definition
  const Value* override = nullptr;    // its containerOverrides entry, or null
  const Value* task = nullptr;        // the task (cpu, memory, launchType)
  const Value* task_definition = nullptr;  // its volumes and containers (mountPoints)
  std::string task_volumes_dir;            // where task-scoped volumes live
  std::string shared_volumes_dir;          // where the account's shared Docker volumes live
  uid_t root_id = 0;                       // root inside, outside (the sandbox's id offset)
  const image::PreparedImage* image = nullptr;
  std::string upper_dir, work_dir;    // the container's own overlayfs dirs
  std::string hostname;
  std::vector<std::string> extra_env;  // the runtime's variables (network, region, ...)
  int netns_fd = -1;                   // the task's network namespace, -1: the host's
  const sandbox::SandboxGroup* group = nullptr;  // the task's cgroup, if any
  int host_cpus = 1;
};

// The spec, or FailedPrecondition with the text that follows "CannotStartContainerError: "
// (no command, an executable not in the image, a user the image does not know).
Result<sandbox::SandboxSpec> BuildContainerSpec(const ContainerSpecInput& in);

// The container's stop signal: the image's STOPSIGNAL (SIGTERM when none or unparsable).
int StopSignalOf(const image::PreparedImage& image);

}  // namespace nimbus::ecs
