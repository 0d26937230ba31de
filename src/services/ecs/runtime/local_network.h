// The task networking nimbus has before the VPC networking of issue 19 item 5: networkMode host
// joins the host's network namespace; every other mode (none, and for now bridge and awsvpc)
// gives the task a namespace of its own with only a loopback, which its containers share (they
// reach each other on localhost, as in one awsvpc task) and nothing outside reaches.
#pragma once

#include <memory>

#include "sandbox/netns.h"
#include "services/ecs/runtime/task_network.h"

namespace nimbus::ecs {

// Over `namespaces` (sandbox::HostNetworkNamespaces(), or a fake). Thread-safe.
std::unique_ptr<TaskNetworkProvider> MakeLocalNetworkProvider(
    std::shared_ptr<sandbox::NetworkNamespaces> namespaces);

}  // namespace nimbus::ecs
