// The ECS task runtime's LogDriver (runtime/log_driver.h) as nimbus serves it: awslogs
// containers through awslogs::Driver into CloudWatch Logs; containers without a
// logConfiguration, or with a driver that keeps logs on the instance (json-file, local, none),
// go to `others`; drivers that ship elsewhere (splunk, awsfirelens, ...) fail the task with a
// reason that names them. Every awslogs container's pipes are pumped on one thread of its own;
// lines are written by one background writer (output::LogShipper).
#pragma once

#include <memory>

#include "core/clock.h"
#include "services/ecs/runtime/log_driver.h"
#include "services/logs/api/log_sink.h"

namespace nimbus::ecs::awslogs {

// `sink` (null: awslogs containers fail to start, the logs service is not built) and `clock`
// must outlive the driver. Destroying the driver waits for containers' output already attached.
std::unique_ptr<LogDriver> MakeLogDriver(std::shared_ptr<logs::LogSink> sink, const Clock& clock,
                                         std::unique_ptr<LogDriver> others);

}  // namespace nimbus::ecs::awslogs
