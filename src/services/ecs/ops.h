// The ECS operations nimbus serves, one function each over the EcsStore (registered in
// ecs_provider.cc). Each validates its input, writes durably before answering and returns the
// output or the AwsError AWS answers.
#pragma once

#include "protocol/call.h"
#include "services/ecs/ecs_store.h"

namespace nimbus::ecs::ops {

OpResult CreateCluster(EcsStore& s, const CallContext& call, const Value& in);
OpResult DescribeClusters(EcsStore& s, const CallContext& call, const Value& in);
OpResult ListClusters(EcsStore& s, const CallContext& call, const Value& in);
OpResult DeleteCluster(EcsStore& s, const CallContext& call, const Value& in);

OpResult RegisterTaskDefinition(EcsStore& s, const CallContext& call, const Value& in);
OpResult DescribeTaskDefinition(EcsStore& s, const CallContext& call, const Value& in);
OpResult ListTaskDefinitions(EcsStore& s, const CallContext& call, const Value& in);
OpResult ListTaskDefinitionFamilies(EcsStore& s, const CallContext& call, const Value& in);
OpResult DeregisterTaskDefinition(EcsStore& s, const CallContext& call, const Value& in);
OpResult DeleteTaskDefinitions(EcsStore& s, const CallContext& call, const Value& in);

// Whether the input's `include` list names `what` (e.g. "TAGS").
bool Includes(const Value& in, const char* what);
// maxResults within [1, 100] (default 100), or InvalidParameterException.
Result<int, AwsError> PageSize(const Value& in);

}  // namespace nimbus::ecs::ops
