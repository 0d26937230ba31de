// A container's mountPoints and volumesFrom as sandbox binds: a task definition volume with
// host.sourcePath binds that host directory (it must exist); a Docker volume of scope "shared"
// (dockerVolumeConfiguration) is a directory named after it under `shared_volumes_dir`, which
// outlives the task and is shared with every task of the account and region naming it (made on
// first use only with autoprovision; only the "local" driver); any other (a task-scoped or
// Docker volume of scope "task") is a directory of the task's own under `task_volumes_dir`. Both
// are made owned by root inside the container; the task's own go with the task.
// volumesFrom takes another container's mountPoints (read-only when it says so).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"
#include "protocol/call.h"
#include "sandbox/sandbox.h"

namespace nimbus::ecs {

// FailedPrecondition (the text after "CannotStartContainerError: ") for an unknown volume or
// container, a missing host path, or a containerPath that goes through a symlink of the image
// (`layers`, bottom first) or into /proc or /dev.
Result<std::vector<sandbox::SandboxSpec::Bind>> PrepareContainerBinds(
    const Value& task_definition, const Value& container, const std::string& task_volumes_dir,
    const std::string& shared_volumes_dir, uid_t root_id, const std::vector<std::string>& layers);

}  // namespace nimbus::ecs
