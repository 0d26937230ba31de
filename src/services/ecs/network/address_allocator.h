// Private IPv4 addresses of one account's ECS "VPC": the default VPC's first default subnet,
// 172.31.0.0/20, as AWS numbers it (the network address, the router .1, the DNS server .2, the
// reserved .3 and the broadcast address are never handed out). Addresses are handed out in turn
// from a cursor, not lowest first, so an address a stopped task showed is not at once someone
// else's.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace nimbus::ecs {

struct SubnetLayout {
  uint32_t network = 0xAC1F0000;  // 172.31.0.0
  int prefix = 20;
  uint32_t gateway() const { return network + 1; }
  uint32_t broadcast() const { return network | (~uint32_t{0} >> prefix); }
  std::string cidr() const;  // "172.31.0.0/20"
};

// "a.b.c.d" of a host-order address.
std::string Ipv4Text(uint32_t address);

// Not thread-safe: its owner locks.
class AddressAllocator {
 public:
  explicit AddressAllocator(SubnetLayout subnet = {}, uint32_t cursor = 0);
  // A free address, or nullopt when every usable one is taken.
  std::optional<uint32_t> Allocate();
  // Gives `address` back (an address not handed out is ignored).
  void Release(uint32_t address);
  const SubnetLayout& subnet() const { return subnet_; }
  // Where the next search starts (persisted by the owner so a restart continues from there).
  uint32_t cursor() const { return cursor_; }
  size_t in_use() const { return taken_.size(); }

 private:
  bool Usable(uint32_t address) const;
  SubnetLayout subnet_;
  uint32_t cursor_;
  std::set<uint32_t> taken_;
};

}  // namespace nimbus::ecs
