// A container's dependsOn ([{containerName, condition}]) against how far the task's other
// containers have got: START (it has started), COMPLETE (it has exited), SUCCESS (exited 0),
// HEALTHY (its health check has passed: health_check.h). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "protocol/call.h"
#include "services/ecs/runtime/health_check.h"

namespace nimbus::ecs {

struct ContainerProgress {
  bool started = false;
  bool start_failed = false;     // never started (its own failure, or its dependencies')
  std::optional<int> exit_code;  // once it has exited
  Health health = Health::kUnknown;
};

struct DependencyVerdict {
  enum State { kReady, kWaiting, kFailed } state = kReady;
  std::string reason;  // kFailed: why the container cannot start
};

// `progress` maps every container of the task by name.
DependencyVerdict CheckDependencies(const Value& depends_on,
                                    const std::map<std::string, ContainerProgress>& progress);

}  // namespace nimbus::ecs
