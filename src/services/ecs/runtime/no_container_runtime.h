// A TaskRuntime for where nimbus cannot run containers (an in-process harness without event
// loops, or a host without the sandbox's namespaces): every task stops at once, as a task AWS
// cannot place, with stopCode TaskFailedToStart and a reason that says why.
#pragma once

#include <memory>
#include <string>

#include "services/ecs/ecs_store.h"
#include "services/ecs/runtime/task_runtime.h"

namespace nimbus::ecs {

// `why` ends "ResourceInitializationError: " in each task's stoppedReason.
std::unique_ptr<TaskRuntime> MakeNoContainerRuntime(std::shared_ptr<EcsStore> store,
                                                    std::string why);

}  // namespace nimbus::ecs
