// The ECS service operations (registered in ecs_provider.cc): Create/Update/Describe/List/
// DeleteService and the service deployment and revision reads. Each checks its input, writes
// the service durably under ServiceControl's lock and wakes the scheduler, which does the rest
// (tasks, counts, rollout states, events).
#pragma once

#include "protocol/call.h"
#include "services/ecs/ecs_state.h"

namespace nimbus::ecs::ops {

OpResult CreateService(EcsState& e, const CallContext& call, const Value& in);
OpResult UpdateService(EcsState& e, const CallContext& call, const Value& in);
OpResult DescribeServices(EcsState& e, const CallContext& call, const Value& in);
OpResult ListServices(EcsState& e, const CallContext& call, const Value& in);
OpResult DeleteService(EcsState& e, const CallContext& call, const Value& in);
OpResult ListServiceDeployments(EcsState& e, const CallContext& call, const Value& in);
OpResult DescribeServiceDeployments(EcsState& e, const CallContext& call, const Value& in);
OpResult DescribeServiceRevisions(EcsState& e, const CallContext& call, const Value& in);

}  // namespace nimbus::ecs::ops
