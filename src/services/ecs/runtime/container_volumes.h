// A container's mountPoints and volumesFrom as sandbox binds: a task definition volume with
// host.sourcePath binds that host directory (it must exist); one without (a task-scoped or
// Docker volume) is a directory of the task's own under `task_volumes_dir`, made on first use
// owned by root inside the container, shared by the task's containers and removed with the task.
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
    uid_t root_id, const std::vector<std::string>& layers);

}  // namespace nimbus::ecs
