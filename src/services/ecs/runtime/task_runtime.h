// What runs ECS tasks: the operations hand a task to a TaskRuntime once it is stored
// (PROVISIONING, desiredStatus RUNNING) and ask it to stop one; the runtime moves the task through
// its lifecycle by writing the task's body in the EcsStore (lastStatus, timestamps, containers'
// exit codes and reasons, stopCode and stoppedReason).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "protocol/call.h"
#include "sandbox/sandbox.h"
#include "services/kit/scope.h"

namespace nimbus::ecs {

// One task to start: where it lives and what it runs.
struct TaskLaunch {
  Scope scope;
  std::string task_id;
  Value task;             // the Task as stored (containers, overrides, cpu, memory, ...)
  Value task_definition;  // the TaskDefinition revision it runs
  Value request;          // the RunTask input (networkConfiguration, ...)
  // Container name -> the reference to pull instead of its image ("<repo>@sha256:..."): a
  // service deployment's pinned digests (software version consistency).
  std::map<std::string, std::string> pinned_images;
};

// Thread-safe. Start and Stop return at once; the work happens on the runtime's own threads.
class TaskRuntime {
 public:
  virtual ~TaskRuntime() = default;
  // Starts `launch`'s containers. Failures are reported in the task (stopCode
  // TaskFailedToStart, AWS's reason), never returned.
  virtual void Start(TaskLaunch launch) = 0;
  // Stops a task it runs: the containers' stop signal, SIGKILL after their stopTimeout. The
  // caller has already set desiredStatus STOPPED, stopCode and stoppedReason. A task the runtime
  // does not run (e.g. started before a restart) is left as it is.
  virtual void Stop(const Scope& scope, const std::string& task_id) = 0;
  // ECS Exec: starts `argv` (argv[0] looked up in the container's PATH unless it holds a '/')
  // as root in container `container` of a task this runtime runs, with the container's
  // environment, working directory and capabilities, on `terminal_fd` (a pty's replica, not
  // owned: the caller closes its copy afterwards). FailedPrecondition when the task or the
  // container is not running here (the message says which); NotFound when argv[0] is not in the
  // container; Internal for a setup failure. Blocks for the setup (about a millisecond).
  virtual Result<std::unique_ptr<sandbox::Sandbox>> Exec(const Scope& scope,
                                                             const std::string& task_id,
                                                             const std::string& container,
                                                             const std::vector<std::string>& argv,
                                                             int terminal_fd) {
    (void)scope, (void)task_id, (void)container, (void)argv, (void)terminal_fd;
    return Status::FailedPrecondition("this runtime runs no containers");
  }
};

}  // namespace nimbus::ecs
