// The Task a RunTask creates, built from its task definition and the request (overrides, count
// of one, tags apart), with AWS's checks of the request. Pure apart from the ids it draws.
#pragma once

#include <string>

#include "core/ids.h"
#include "protocol/call.h"
#include "services/kit/scope.h"

namespace nimbus::ecs {

// What one new task is made of.
struct NewTaskInput {
  Scope scope;
  std::string cluster;     // name
  Value task_definition;   // the revision's body
  Value request;           // RunTask's (or StartTask's) input
  double now_seconds = 0;  // createdAt
};

// Checks the request's launchType, networkConfiguration, overrides, startedBy and group
// against the definition: the InvalidParameterException/ClientException AWS answers, or none.
Result<bool, AwsError> CheckRunRequest(const Value& task_definition, const Value& request);

// A new task (lastStatus PROVISIONING, desiredStatus RUNNING, containers PENDING) with id
// `task_id`; its containers' ARNs are drawn from `random`.
Value NewTask(const NewTaskInput& in, const std::string& task_id, RandomSource& random);

// "arn:aws:ecs:<region>:<account>:task/<cluster>/<id>".
std::string TaskArn(const Scope& scope, const std::string& cluster, const std::string& id);

// The task id a reference names (an id, or a task ARN of `scope`, with or without the
// cluster), and the cluster the ARN names ("" when it names none); nullopt when malformed.
struct TaskRef {
  std::string id, cluster;
};
std::optional<TaskRef> ParseTaskRef(const Scope& scope, const std::string& text);

// The container override of container `name` in the task's overrides, or null.
const Value* ContainerOverride(const Value& task, const std::string& name);

}  // namespace nimbus::ecs
