// What every ECS operation works on: the store, and the runtime that runs tasks.
#pragma once

#include <memory>

#include "services/ecs/ecs_store.h"
#include "services/ecs/runtime/task_runtime.h"

namespace nimbus::ecs {

// Owned by the provider; both members outlive every call.
struct EcsState {
  std::shared_ptr<EcsStore> store;
  std::shared_ptr<TaskRuntime> runtime;  // never null
};

}  // namespace nimbus::ecs
