// What every ECS operation works on: the store, and the runtime that runs tasks.
#pragma once

#include <memory>

#include "services/ecs/ecs_store.h"
#include "services/ecs/exec/exec_sessions.h"
#include "services/ecs/runtime/task_runtime.h"
#include "services/ecs/services/service_control.h"

namespace nimbus::ecs {

class ServiceScheduler;

// Owned by the provider; every member outlives every call.
struct EcsState {
  std::shared_ptr<EcsStore> store;
  std::shared_ptr<TaskRuntime> runtime;  // never null
  std::shared_ptr<ServiceControl> services;  // null only in harnesses that serve no services
  // Declared last, so destroyed first: its thread stops before the runtime and stores go.
  std::shared_ptr<ServiceScheduler> scheduler;  // null when no scheduler runs
  std::shared_ptr<exec::ExecSessions> exec_sessions;  // ECS Exec; never null
};

}  // namespace nimbus::ecs
