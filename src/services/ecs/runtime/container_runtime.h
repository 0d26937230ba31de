// The TaskRuntime that runs ECS tasks in real containers: one supervisor thread per task makes
// its network (TaskNetworkProvider), prepares each container's image (image::ImageCache), starts
// every container in its own sandbox on the image's layers (its own upper dir under work_dir),
// hands their output to the log driver, and moves the task through PROVISIONING, PENDING,
// RUNNING, DEACTIVATING, DEPROVISIONING and STOPPED in the store, with AWS's stop codes and
// reasons: an essential container's exit stops the task; StopTask sends each container its
// image's stop signal and SIGKILL after its stopTimeout (default 30 s); the OOM killer's victim
// exits 137 with OutOfMemoryError. Destroying the runtime kills every container at once and
// writes nothing (the next start reports those tasks STOPPED: recovery.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "image/image_cache.h"
#include "sandbox/sandbox.h"
#include "services/ecs/ecs_store.h"
#include "services/ecs/runtime/log_driver.h"
#include "services/ecs/runtime/task_network.h"
#include "services/ecs/runtime/task_runtime.h"

namespace nimbus::ecs {

struct ContainerRuntimeDeps {
  std::shared_ptr<EcsStore> store;
  std::shared_ptr<image::ImageCache> images;
  std::shared_ptr<sandbox::SandboxManager> sandboxes;
  std::shared_ptr<TaskNetworkProvider> networks;
  std::shared_ptr<LogDriver> logs;
  // Where containers' upper dirs live (<work_dir>/<task id>/<container>/): emptied at creation
  // (a killed nimbus's leftovers), each task's removed once it has stopped.
  std::string work_dir;
  // Where shared Docker volumes live (<dir>/<account>/<region>/<volume>/): kept across tasks and
  // restarts.
  std::string shared_volumes_dir;
  // How long one second of a container health check's interval, timeout and startPeriod lasts
  // (nimbus serve --ecs-health-check-second-ms; tests shrink it, AWS's limits stay).
  std::chrono::milliseconds health_check_second{1000};
};

std::unique_ptr<TaskRuntime> MakeContainerRuntime(ContainerRuntimeDeps deps);

}  // namespace nimbus::ecs
