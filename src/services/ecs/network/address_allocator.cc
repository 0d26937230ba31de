#include "services/ecs/network/address_allocator.h"

namespace nimbus::ecs {

std::string SubnetLayout::cidr() const { return Ipv4Text(network) + "/" + std::to_string(prefix); }

std::string Ipv4Text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

AddressAllocator::AddressAllocator(SubnetLayout subnet, uint32_t cursor)
    : subnet_(subnet), cursor_(Usable(cursor) ? cursor : subnet.network + 4) {}

bool AddressAllocator::Usable(uint32_t address) const {
  return address >= subnet_.network + 4 && address < subnet_.broadcast();
}

std::optional<uint32_t> AddressAllocator::Allocate() {
  const uint32_t first = subnet_.network + 4;
  const uint32_t count = subnet_.broadcast() - first;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t candidate = first + (cursor_ - first + i) % count;
    if (taken_.count(candidate) != 0) continue;
    taken_.insert(candidate);
    cursor_ = first + (candidate - first + 1) % count;
    return candidate;
  }
  return std::nullopt;
}

void AddressAllocator::Release(uint32_t address) { taken_.erase(address); }

}  // namespace nimbus::ecs
