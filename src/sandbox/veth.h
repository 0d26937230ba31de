// Links between network namespaces nimbus made (netns.h): a Linux bridge inside one namespace
// (an ECS account's "VPC"), and veth pairs with one end on that bridge and the other, with an
// address, inside a task's namespace. Every call works only inside namespaces given by
// descriptor, on a short-lived thread that joins them, so the host's own network namespace is
// never changed (no link, address or route is added there).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace nimbus::sandbox {

// An IPv4 address with its prefix length, e.g. {"172.31.0.1", 20}.
struct Ipv4Cidr {
  std::string address;
  int prefix = 32;
};

// In namespace `netns` (a descriptor, not owned): a bridge named `name` (at most 15
// characters) holding `address`, up. Errors: InvalidArgument (bad name or address),
// Unavailable (the kernel refused, naming the step: e.g. no bridge module, or the name is
// taken).
Status CreateBridge(int netns, const std::string& name, const Ipv4Cidr& address);

struct VethSpec {
  int bridge_netns = -1;         // where the bridge is (not owned)
  std::string bridge;            // its name
  std::string bridge_side;       // this end's name there (unique in that namespace)
  int task_netns = -1;           // where the other end goes (not owned)
  std::string task_side;         // its name there, e.g. "eth0"
  std::array<uint8_t, 6> mac{};  // the task end's hardware address
  Ipv4Cidr address;              // the task end's address
  // Routes to single addresses through gateways on the task end: {destination, gateway}.
  std::vector<std::pair<std::string, std::string>> host_routes;
};

// Makes the veth pair of `spec`: the bridge end enslaved to the bridge and up; the task end
// moved into the task's namespace with its address and MAC, up, with its host routes. On
// failure nothing is left.
// Errors: InvalidArgument, Unavailable naming the step.
Status AddVeth(const VethSpec& spec);

// Writes `value` to the network sysctl /proc/sys/net/`key` (e.g. "ipv4/ip_unprivileged_port_start")
// of namespace `netns`. Errors: InvalidArgument (a key with ".."), Unavailable naming it.
Status SetNetSysctl(int netns, const std::string& key, const std::string& value);

// Deletes link `name` in namespace `netns` (both ends of a veth go). NotFound when absent.
Status DeleteLink(int netns, const std::string& name);

}  // namespace nimbus::sandbox
