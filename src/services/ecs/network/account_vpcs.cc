#include "services/ecs/network/account_vpcs.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "sandbox/veth.h"

namespace nimbus::ecs {
namespace {

constexpr char kBridge[] = "vpc0";
constexpr char kTaskSide[] = "eth0";

std::array<uint8_t, 6> NewMac() {
  // 0a: locally administered unicast, as the MACs of AWS's ENIs.
  std::string hex = RandomHex(10);
  std::array<uint8_t, 6> mac{0x0a};
  for (size_t i = 0; i < 5; ++i)
    mac[i + 1] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return mac;
}

}  // namespace

std::string MacText(const std::array<uint8_t, 6>& mac) {
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return text;
}

struct AccountVpcs::Vpc {
  sandbox::UniqueFd netns;
  AddressAllocator addresses;
  uint64_t next_link = 0;
  std::string cursor_file;
};

AccountVpcs::AccountVpcs(std::shared_ptr<sandbox::NetworkNamespaces> namespaces,
                         std::string state_dir)
    : namespaces_(std::move(namespaces)), state_dir_(std::move(state_dir)) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir_, ec);
}

AccountVpcs::~AccountVpcs() = default;

Result<AccountVpcs::Vpc*> AccountVpcs::VpcOf(const std::string& account) {
  auto it = vpcs_.find(account);
  if (it != vpcs_.end()) return it->second.get();
  auto ns = namespaces_->Create({kTaskEndpointAddress});
  if (!ns.ok()) return Status(ns.error().code(), "VPC namespace: " + ns.error().message());
  SubnetLayout subnet;
  Status bridged =
      sandbox::CreateBridge(ns->get(), kBridge, {Ipv4Text(subnet.gateway()), subnet.prefix});
  if (!bridged.ok()) return Status(bridged.code(), "VPC bridge: " + bridged.message());
  auto vpc = std::make_unique<Vpc>();
  vpc->netns = std::move(*ns);
  vpc->cursor_file = state_dir_ + "/" + account + ".cursor";
  uint32_t cursor = 0;
  if (std::ifstream in(vpc->cursor_file); in) in >> cursor;
  vpc->addresses = AddressAllocator(subnet, cursor);
  Vpc* out = vpc.get();
  vpcs_[account] = std::move(vpc);
  return out;
}

Result<VpcLease> AccountVpcs::Attach(const std::string& account, int task_netns) {
  VpcLease lease;
  lease.account = account;
  lease.mac = NewMac();
  int vpc_netns = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto vpc = VpcOf(account);
    if (!vpc.ok()) return vpc.error();
    auto address = (*vpc)->addresses.Allocate();
    if (!address) {
      return Status::ResourceExhausted("no free address left in subnet " +
                                       (*vpc)->addresses.subnet().cidr());
    }
    lease.address = *address;
    lease.subnet = (*vpc)->addresses.subnet();
    lease.bridge_side = "veth" + std::to_string((*vpc)->next_link++);
    vpc_netns = (*vpc)->netns.get();
    if (std::ofstream out((*vpc)->cursor_file, std::ios::trunc); out) {
      out << (*vpc)->addresses.cursor() << "\n";
    }
  }
  sandbox::VethSpec spec;
  spec.bridge_netns = vpc_netns;
  spec.bridge = kBridge;
  spec.bridge_side = lease.bridge_side;
  spec.task_netns = task_netns;
  spec.task_side = kTaskSide;
  spec.mac = lease.mac;
  spec.address = {Ipv4Text(lease.address), lease.subnet.prefix};
  spec.host_routes = {{kTaskEndpointAddress, Ipv4Text(lease.subnet.gateway())}};
  Status st = sandbox::AddVeth(spec);
  if (!st.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    vpcs_[account]->addresses.Release(lease.address);
    return st;
  }
  return lease;
}

Result<int> AccountVpcs::NamespaceOf(const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  auto vpc = VpcOf(account);
  if (!vpc.ok()) return vpc.error();
  return (*vpc)->netns.get();
}

void AccountVpcs::Detach(const VpcLease& lease) {
  int vpc_netns = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = vpcs_.find(lease.account);
    if (it == vpcs_.end()) return;
    vpc_netns = it->second->netns.get();
  }
  // The VPC namespaces live as long as this object, so the descriptor stays valid unlocked.
  (void)sandbox::DeleteLink(vpc_netns, lease.bridge_side);
  std::lock_guard<std::mutex> lock(mu_);
  vpcs_[lease.account]->addresses.Release(lease.address);
}

}  // namespace nimbus::ecs
