// The task networking of issue 19 item 5, behind the runtime's TaskNetworkProvider seam:
//   host    the host's network namespace (nothing of nimbus's inside);
//   none    a namespace of the task's own with only a loopback;
//   bridge  a namespace of its own with an "eth0" on the account's VPC bridge (account_vpcs.h);
//   awsvpc  the same, shown as AWS shows an ENI: Task.attachments[ElasticNetworkInterface] with
//           subnetId, networkInterfaceId, macAddress, privateDnsName, privateIPv4Address, and
//           each container's networkInterfaces.
// The containers of one task share its namespace (and so localhost). Destroying a task's
// network removes its veth and frees its address.
#pragma once

#include <memory>
#include <string>

#include "sandbox/netns.h"
#include "services/ecs/runtime/task_network.h"

namespace nimbus::ecs {

struct VpcNetworkOptions {
  std::shared_ptr<sandbox::NetworkNamespaces> namespaces;  // required
  std::string state_dir;  // per-account allocation cursors (AccountVpcs)
};

// Thread-safe.
std::unique_ptr<TaskNetworkProvider> MakeVpcNetworkProvider(VpcNetworkOptions options);

}  // namespace nimbus::ecs
