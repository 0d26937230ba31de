// EcsStore directly: what no operation of this increment reaches yet (the default cluster a
// task operation creates on first use).
#include <gtest/gtest.h>

#include "core/clock.h"
#include "services/ecs/ecs_store.h"

namespace nimbus::ecs {
namespace {

TEST(EcsStoreTest, DefaultClusterIsCreatedOnFirstUseOthersAreNot) {
  auto db = store::Database::OpenFile(":memory:");
  ASSERT_TRUE(db.ok());
  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))};
  auto store = MakeEcsStore(**db, clock);
  ASSERT_TRUE(store.ok());
  Scope scope{"000000000000", "us-east-1"};
  auto other = (*store)->UseCluster(scope, "web");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto def = (*store)->UseCluster(scope, "default");
  ASSERT_TRUE(def.ok());
  ASSERT_TRUE(def->has_value());
  EXPECT_EQ((*def)->status, "ACTIVE");
  auto listed = (*store)->ListClusters(scope, "", 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, std::vector<std::string>{"default"});
  // A deleted cluster is not used; a deleted default comes back.
  ASSERT_TRUE((*store)->CreateCluster(scope, "web", Value::array(), Value::array()).ok());
  ASSERT_TRUE((*store)->DeleteCluster(scope, "web").ok());
  EXPECT_FALSE((*store)->UseCluster(scope, "web")->has_value());
  ASSERT_TRUE((*store)->DeleteCluster(scope, "default").ok());
  EXPECT_EQ((*(*store)->UseCluster(scope, "default"))->status, "ACTIVE");
}

}  // namespace
}  // namespace nimbus::ecs
