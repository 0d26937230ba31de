// Container output, the seam between the task runtime and log drivers (awslogs): before a
// container starts the runtime opens a ContainerLog for its logConfiguration (an error fails
// the task, e.g. a missing awslogs group without awslogs-create-group), then hands it the
// container's stdout and stderr once it runs.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "protocol/call.h"
#include "sandbox/fd.h"
#include "services/kit/scope.h"

namespace nimbus::ecs {

struct ContainerLogRequest {
  Scope scope;
  std::string task_id, task_arn, cluster, container_name;
  Value log_configuration;  // the container definition's logConfiguration, or null
  bool fargate = false;     // launch type FARGATE: failures are worded as Fargate words them
  std::string runtime_id;   // the container's runtimeId (awslogs' stream without a prefix)
};

// One container's output. Destroying it waits until both streams have been read to EOF (the
// container has exited) and what was read is written, so a stopped task's lines are all kept.
class ContainerLog {
 public:
  virtual ~ContainerLog() = default;
  // Takes the read ends of the container's stdout and stderr; reads them until EOF on threads
  // of its own. In blocking mode a slow destination blocks the container's writes.
  virtual void Attach(sandbox::UniqueFd out, sandbox::UniqueFd err) = 0;
};

// Thread-safe.
class LogDriver {
 public:
  virtual ~LogDriver() = default;
  // A ContainerLog for `request`; InvalidArgument or FailedPrecondition with the message shown
  // as the container's and task's reason when the configuration cannot be served.
  virtual Result<std::unique_ptr<ContainerLog>> Open(const ContainerLogRequest& request) = 0;
};

}  // namespace nimbus::ecs
