// Task networking, the seam between the task runtime and networking (awsvpc, bridge, host,
// none; port listeners; the 169.254.170.2 endpoints): the runtime asks a TaskNetworkProvider for
// one TaskNetwork per task before its containers start, puts every container of the task in its
// namespace, shows what it reports in DescribeTasks, and destroys it once every container of
// the task has exited.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "protocol/call.h"
#include "services/kit/scope.h"

namespace nimbus::ecs {

struct TaskNetworkRequest {
  Scope scope;
  std::string task_arn, task_id, cluster;
  std::string network_mode;     // the definition's networkMode: awsvpc, bridge, host, none
  Value task_definition;        // containers' portMappings and names
  Value network_configuration;  // RunTask's networkConfiguration (awsvpcConfiguration), or null
};

// Where a running container's cgroup files are (Sandbox::CgroupDir; "" when absent), for the
// statistics the task metadata endpoint serves.
struct ContainerCgroups {
  std::string memory, cpu, pids;
};

// One task's network; destroying it releases everything it holds (namespace, listeners,
// addresses). Not thread-safe; used by the runtime's thread of that task.
class TaskNetwork {
 public:
  virtual ~TaskNetwork() = default;
  // The network namespace every container of the task joins (an fd that stays valid while this
  // object lives), or -1 for the host's (networkMode host).
  virtual int netns_fd() const = 0;
  // Task.attachments (e.g. the awsvpc ElasticNetworkInterface), [] for none.
  virtual Value attachments() const = 0;
  // Container.networkBindings / networkInterfaces of container `name`, [] for none.
  virtual Value network_bindings(const std::string& name) const = 0;
  virtual Value network_interfaces(const std::string& name) const = 0;
  // Variables every container of the task gets ("NAME=value": ECS_CONTAINER_METADATA_URI_V4,
  // AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_ENDPOINT_URL, ...).
  virtual std::vector<std::string> environment(const std::string& container_name) const = 0;
  // Called once every container runs (the task is RUNNING), and once it has stopped; a
  // provider may publish or withdraw what it serves. Default: nothing.
  virtual void OnRunning() {}
  // Called when container `name` (DescribeTasks runtimeId `runtime_id`) has started, with its
  // cgroups. Default: nothing.
  virtual void OnContainerStarted(const std::string& /*name*/, const std::string& /*runtime_id*/,
                                  const ContainerCgroups& /*cgroups*/) {}
};

// Thread-safe; Create may block (namespaces, veths) and is called from the runtime's threads.
class TaskNetworkProvider {
 public:
  virtual ~TaskNetworkProvider() = default;
  // The task's network. An error stops the task before its containers start, with
  // stoppedReason "ResourceInitializationError: " + message, or the message itself when it
  // starts "CannotStartContainerError: " (a port that cannot be published, as Docker says).
  virtual Result<std::unique_ptr<TaskNetwork>> Create(const TaskNetworkRequest& request) = 0;
};

}  // namespace nimbus::ecs
