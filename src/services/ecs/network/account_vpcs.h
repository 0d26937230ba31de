// The "VPC" of each account's ECS tasks: a network namespace nimbus makes (on the first task of
// the account that needs one) holding 169.254.170.2 and a bridge at the subnet's router address;
// each awsvpc or bridge task's namespace gets a veth whose other end is on that bridge, with an
// address from the account's allocator, so tasks of one account reach each other by address and
// nothing else (not the host, not other accounts' tasks). Everything lives in anonymous namespaces
// held by descriptors: when nimbus exits, even by SIGKILL, the kernel removes them with every link
// in them, and the host's own network is never changed.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "sandbox/fd.h"
#include "sandbox/netns.h"
#include "services/ecs/network/address_allocator.h"

namespace nimbus::ecs {

// A task's place in its account's VPC: released with AccountVpcs::Detach.
struct VpcLease {
  std::string account;
  uint32_t address = 0;
  std::string bridge_side;  // the veth end's name in the VPC namespace
  std::array<uint8_t, 6> mac{};
  SubnetLayout subnet;
};

// "0a:1b:..." of a MAC address.
std::string MacText(const std::array<uint8_t, 6>& mac);

// Where nimbus answers inside every VPC (task metadata, credentials, the AWS API): an address
// of the VPC namespace's loopback, routed from each task through the VPC's router, as AWS
// routes it to its agent.
inline constexpr char kTaskEndpointAddress[] = "169.254.170.2";

// Thread-safe.
class AccountVpcs {
 public:
  // `namespaces` makes the VPC namespaces. `state_dir` (created) keeps each account's allocation
  // cursor, so that a restarted nimbus goes on from where it was rather than hand out the
  // addresses that stopped tasks still show.
  AccountVpcs(std::shared_ptr<sandbox::NetworkNamespaces> namespaces, std::string state_dir);
  ~AccountVpcs();

  // Connects namespace `task_netns` (not owned) to `account`'s VPC: an "eth0" with a fresh
  // address and MAC. Blocks (namespace and link creation, ~1 ms). Errors: ResourceExhausted
  // (the subnet is full), Unavailable/Internal naming the failed step.
  Result<VpcLease> Attach(const std::string& account, int task_netns);
  // Removes the veth and frees the address. Blocks briefly.
  void Detach(const VpcLease& lease);
  // The namespace of `account`'s VPC (made now when it has none yet), valid while this object
  // lives. Errors: those of Attach.
  Result<int> NamespaceOf(const std::string& account);

 private:
  struct Vpc;
  Result<Vpc*> VpcOf(const std::string& account);  // under mu_

  std::shared_ptr<sandbox::NetworkNamespaces> namespaces_;
  std::string state_dir_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Vpc>> vpcs_;
};

}  // namespace nimbus::ecs
