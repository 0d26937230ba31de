// Changes to a stored Task's body as its lifecycle moves (lastStatus, timestamps, stop fields,
// containers), written once for every runtime and for restart recovery. Pure.
#pragma once

#include <string>

#include "protocol/call.h"

namespace nimbus::ecs {

// lastStatus `status` (and the containers' when `containers_too`), version + 1.
void SetLastStatus(Value& task, const std::string& status, bool containers_too = false);

// The task is STOPPED at `now` (seconds): desiredStatus STOPPED; stopCode and stoppedReason
// unless already set (a StopTask's stay); stoppingAt, executionStoppedAt and stoppedAt set when
// missing; containers that have no exit code get `container_reason` (when not empty) and
// lastStatus STOPPED.
void MarkStopped(Value& task, const std::string& stop_code, const std::string& reason,
                 const std::string& container_reason, double now);

// The container named `name` in the task body, or null.
Value* FindContainer(Value& task, const std::string& name);

}  // namespace nimbus::ecs
