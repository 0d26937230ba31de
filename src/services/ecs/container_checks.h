// RegisterTaskDefinition's checks across a task definition's containers and volumes, as AWS
// makes them: dependsOn naming unknown containers, cycles, COMPLETE/SUCCESS on an essential
// container, HEALTHY on a container without a healthCheck; healthCheck commands and limits
// (defaults filled in as DescribeTaskDefinition shows them); mountPoints naming unknown volumes;
// volumesFrom naming unknown containers; ulimits names and limits. Pure.
#pragma once

#include <optional>

#include "protocol/call.h"

namespace nimbus::ecs {

// `containers`: the built containerDefinitions (healthCheck defaults are filled in here);
// `volumes`: the task definition's volumes. The ClientException AWS answers, if any.
std::optional<AwsError> CheckContainers(Value& containers, const Value& volumes);

// The ulimit names ECS accepts (Docker's): core, cpu, data, fsize, locks, memlock, msgqueue,
// nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack.
bool IsUlimitName(const std::string& name);

}  // namespace nimbus::ecs
