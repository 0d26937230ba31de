// The ECS operations nimbus serves, one function each over the EcsStore (registered in
// ecs_provider.cc). Each validates its input, writes durably before answering and returns the
// output or the AwsError AWS answers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/call.h"
#include "services/ecs/ecs_state.h"

namespace nimbus::ecs::ops {

OpResult CreateCluster(EcsState& e, const CallContext& call, const Value& in);
OpResult DescribeClusters(EcsState& e, const CallContext& call, const Value& in);
OpResult ListClusters(EcsState& e, const CallContext& call, const Value& in);
OpResult DeleteCluster(EcsState& e, const CallContext& call, const Value& in);

OpResult RegisterTaskDefinition(EcsState& e, const CallContext& call, const Value& in);
OpResult DescribeTaskDefinition(EcsState& e, const CallContext& call, const Value& in);
OpResult ListTaskDefinitions(EcsState& e, const CallContext& call, const Value& in);
OpResult ListTaskDefinitionFamilies(EcsState& e, const CallContext& call, const Value& in);
OpResult DeregisterTaskDefinition(EcsState& e, const CallContext& call, const Value& in);
OpResult DeleteTaskDefinitions(EcsState& e, const CallContext& call, const Value& in);

OpResult RunTask(EcsState& e, const CallContext& call, const Value& in);
OpResult StartTask(EcsState& e, const CallContext& call, const Value& in);
OpResult StopTask(EcsState& e, const CallContext& call, const Value& in);
OpResult DescribeTasks(EcsState& e, const CallContext& call, const Value& in);
OpResult ListTasks(EcsState& e, const CallContext& call, const Value& in);
OpResult ExecuteCommand(EcsState& e, const CallContext& call, const Value& in);

// What RunTask does once the request is checked, for the service scheduler too: stores `count`
// tasks of `td` in `cluster` (startedBy, group, overrides, tags... from `in`) and hands them to
// the runtime; containers named in `pinned_images` pull that reference instead of their image.
// The stored tasks, or the store's failure.
Result<std::vector<TaskRow>, AwsError> StartTasks(
    EcsState& e, const CallContext& call, const TaskDefRow& td, const std::string& cluster,
    const Value& in, int64_t count, const std::map<std::string, std::string>& pinned_images);
// Asks a running task to stop (StopTask's work): desiredStatus STOPPED with `stop_code` and
// `reason`, its tags deleted, the runtime told. The task after the change; nullopt when it does
// not exist. A task already stopping is returned unchanged.
Result<std::optional<Value>, AwsError> StopTaskAs(EcsState& e, const Scope& scope,
                                                  const std::string& id,
                                                  const std::string& stop_code,
                                                  const std::string& reason);

OpResult TagResource(EcsState& e, const CallContext& call, const Value& in);
OpResult UntagResource(EcsState& e, const CallContext& call, const Value& in);
OpResult ListTagsForResource(EcsState& e, const CallContext& call, const Value& in);

OpResult ListAccountSettings(EcsState& e, const CallContext& call, const Value& in);
OpResult PutAccountSetting(EcsState& e, const CallContext& call, const Value& in);
OpResult PutAccountSettingDefault(EcsState& e, const CallContext& call, const Value& in);
OpResult DeleteAccountSetting(EcsState& e, const CallContext& call, const Value& in);
// The value of account setting `name` that applies to the caller: the account root's own, else
// the account's default, else AWS's. Empty for a name AWS does not know or when the store fails.
std::string EffectiveAccountSetting(EcsState& e, const CallContext& call, const std::string& name);

// The cluster name a reference (name or ARN) names in the caller's scope, or nullopt when it
// is an ARN of another service, account or region.
std::optional<std::string> ClusterName(const CallContext& call, const std::string& ref);
// The name of the ACTIVE cluster the input's `cluster` names ("default" when absent, created on
// first use), or ClusterNotFoundException.
Result<std::string, AwsError> UseCluster(EcsStore& s, const CallContext& call, const Value& in);
// The revision "family", "family:revision" or an ARN names (the latest ACTIVE one for a bare
// family); nullopt when it is malformed or does not exist.
Result<std::optional<TaskDefRow>> LookupTaskDefinition(EcsStore& s, const CallContext& call,
                                                       const std::string& text);

// The task `text` (an id or ARN) names in `cluster`, or nullopt; InvalidParameterException
// when its ARN names another cluster.
Result<std::optional<TaskRow>, AwsError> FindTask(EcsStore& s, const CallContext& call,
                                                  const std::string& cluster,
                                                  const std::string& text);

// Whether the input's `include` list names `what` (e.g. "TAGS").
bool Includes(const Value& in, const char* what);
// maxResults within [1, 100] (default 100), or InvalidParameterException.
Result<int, AwsError> PageSize(const Value& in);

}  // namespace nimbus::ecs::ops
