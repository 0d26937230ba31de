// The task networking of issue 19 item 5, behind the runtime's TaskNetworkProvider seam:
//   host    the host's network namespace (nothing of nimbus's inside);
//   none    a namespace of the task's own with only a loopback;
//   bridge  a namespace of its own with an "eth0" on the account's VPC bridge (account_vpcs.h);
//   awsvpc  the same, shown as AWS shows an ENI: Task.attachments[ElasticNetworkInterface] with
//           subnetId, networkInterfaceId, macAddress, privateDnsName, privateIPv4Address, and
//           each container's networkInterfaces.
// The containers of one task share its namespace (and so localhost). Published TCP ports
// (portMappings) of bridge and awsvpc tasks are reachable from the host only through listeners
// on the host's 127.0.0.1 (port_forwarder.h): hostPort (awsvpc: the containerPort; bridge: a
// free port when 0 or absent), shown in each container's networkBindings; a taken hostPort
// fails the task as Docker's daemon words it; UDP mappings are refused (not forwarded yet).
// host tasks bind the host's ports themselves. Inside every task nimbus answers at
// 169.254.170.2 (metadata_endpoint.h; host tasks: a private port of the host's loopback), and
// each container gets ECS_CONTAINER_METADATA_URI(_V4), AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
// when the task has a role, and AWS_ENDPOINT_URL. Destroying a task's network closes its
// listeners, removes its veth and frees its address.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "auth/credential_issuer.h"
#include "core/clock.h"
#include "protocol/listener.h"
#include "sandbox/netns.h"
#include "sandbox/outbound.h"
#include "services/ecs/ecs_store.h"
#include "services/ecs/runtime/task_network.h"

namespace nimbus::ecs {

struct VpcNetworkOptions {
  std::shared_ptr<sandbox::NetworkNamespaces> namespaces;  // required
  std::string state_dir;  // per-account allocation cursors (AccountVpcs)
  // Event loops that serve published ports (round robin). Empty: a task with port mappings
  // fails, saying nimbus cannot publish ports in this process.
  std::vector<boost::asio::io_context*> loops;
  // Serve each task's 169.254.170.2 (metadata v4/v3, task-role credentials; the AWS API at
  // :4566, AWS_ENDPOINT_URL) with the task read from `store`. Null listeners: no endpoint and
  // none of those variables (an in-process harness).
  ListenerFactory* listeners = nullptr;
  std::shared_ptr<EcsStore> store;
  const Clock* clock = nullptr;
  std::string host_endpoint_url;  // AWS_ENDPOINT_URL of host-mode tasks: nimbus's main port
  // Connects each bridge and awsvpc task to the outside world (pasta; --ecs-outbound on).
  // Null: tasks reach only their VPC and nimbus.
  std::shared_ptr<sandbox::Outbound> outbound;
  // Issues task-role credentials (ServiceContext::credentials; they work in strict mode too).
  auth::CredentialIssuer* issuer = nullptr;
};

// Thread-safe.
std::unique_ptr<TaskNetworkProvider> MakeVpcNetworkProvider(VpcNetworkOptions options);

}  // namespace nimbus::ecs
