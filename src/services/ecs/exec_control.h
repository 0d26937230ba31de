// ECS's side of SSM's Session Manager operations on ECS Exec sessions (api/exec_sessions.h).
#pragma once

#include <memory>

#include "services/ecs/api/exec_sessions.h"
#include "services/ecs/ecs_state.h"

namespace nimbus::ecs {

// The control ECS publishes in ServiceLinks::ecs_exec, over the provider's state.
std::shared_ptr<ExecSessionControl> MakeExecSessionControl(std::shared_ptr<EcsState> state);

}  // namespace nimbus::ecs
