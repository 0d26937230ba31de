// Amazon ECS (model "ecs", json 1.1, AmazonEC2ContainerServiceV20141113.*): the control plane
// for clusters and task definitions (ecs_store.h). Tasks and containers come later.
#pragma once

#include "services/kit/service.h"

namespace nimbus::ecs {

// The ECS service: no flags; creates the store (applying the "ecs" schema).
ServiceFactory EcsService();

}  // namespace nimbus::ecs
