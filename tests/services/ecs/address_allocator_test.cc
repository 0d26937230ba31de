#include "services/ecs/network/address_allocator.h"

#include <gtest/gtest.h>

namespace nimbus::ecs {
namespace {

TEST(AddressAllocatorTest, HandsOutTheSubnetsUsableAddressesInTurn) {
  AddressAllocator a;
  EXPECT_EQ(a.subnet().cidr(), "172.31.0.0/20");
  EXPECT_EQ(Ipv4Text(a.subnet().gateway()), "172.31.0.1");
  EXPECT_EQ(Ipv4Text(*a.Allocate()), "172.31.0.4");  // .0-.3 are AWS's, as in every subnet
  uint32_t second = *a.Allocate();
  EXPECT_EQ(Ipv4Text(second), "172.31.0.5");
  a.Release(second);
  // Released addresses are not reused at once: the cursor moves on.
  EXPECT_EQ(Ipv4Text(*a.Allocate()), "172.31.0.6");
  EXPECT_EQ(a.in_use(), 2u);
}

TEST(AddressAllocatorTest, WrapsAroundAndReportsAFullSubnet) {
  SubnetLayout small{0x0A000000, 29};  // 10.0.0.0/29: .4, .5, .6 usable (.7 is broadcast)
  AddressAllocator a(small);
  EXPECT_EQ(Ipv4Text(*a.Allocate()), "10.0.0.4");
  EXPECT_EQ(Ipv4Text(*a.Allocate()), "10.0.0.5");
  EXPECT_EQ(Ipv4Text(*a.Allocate()), "10.0.0.6");
  EXPECT_FALSE(a.Allocate().has_value());
  a.Release(0x0A000005);
  EXPECT_EQ(Ipv4Text(*a.Allocate()), "10.0.0.5");  // after wrapping round
  a.Release(0x0A000099);                           // never handed out: ignored
  EXPECT_EQ(a.in_use(), 3u);
}

TEST(AddressAllocatorTest, ResumesFromAPersistedCursor) {
  AddressAllocator a;
  a.Allocate();
  a.Allocate();
  AddressAllocator restarted(SubnetLayout{}, a.cursor());
  EXPECT_EQ(Ipv4Text(*restarted.Allocate()), "172.31.0.6");
  AddressAllocator bogus(SubnetLayout{}, 7);  // a cursor outside the subnet starts over
  EXPECT_EQ(Ipv4Text(*bogus.Allocate()), "172.31.0.4");
}

}  // namespace
}  // namespace nimbus::ecs
