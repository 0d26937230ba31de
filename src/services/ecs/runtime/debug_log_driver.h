// The log driver of containers without a logConfiguration nimbus serves (before awslogs, and for
// drivers nimbus has not): their output is read (so they never block on a full pipe) and, when
// `echo` is on, written to nimbus's stderr as "ecs <task id>/<container>: <line>".
#pragma once

#include <memory>

#include "services/ecs/runtime/log_driver.h"

namespace nimbus::ecs {

std::unique_ptr<LogDriver> MakeDebugLogDriver(bool echo);

}  // namespace nimbus::ecs
