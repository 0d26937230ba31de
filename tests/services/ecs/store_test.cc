// EcsStore directly: what no operation of this increment reaches yet (the default cluster a
// task operation creates on first use).
#include <gtest/gtest.h>

#include "core/clock.h"
#include "services/ecs/ecs_store.h"
#include "services/ecs/services/service_store.h"
#include "services/kit/arn.h"

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

// A deleted service AWS has forgotten takes its deployments and revisions with it; another
// service's (even one whose name starts the same) stay.
TEST(ServiceStoreTest, ForgettingADeletedServiceForgetsItsHistory) {
  auto db = store::Database::OpenFile(":memory:");
  ASSERT_TRUE(db.ok());
  auto store = MakeServiceStore(**db);
  ASSERT_TRUE(store.ok());
  ServiceStore& s = **store;
  Scope scope{"000000000000", "us-east-1"};
  auto put = [&](const std::string& name, const std::string& status, int64_t updated) {
    ServiceRow row{"default",       name,           status,
                   Value::object(), Value::array(), Value{{"updatedMs", updated}}};
    ASSERT_TRUE(s.PutService(scope, row).ok());
    std::string rev = MakeArn("ecs", scope, "service-revision/default/" + name + "/1");
    std::string dep = MakeArn("ecs", scope, "service-deployment/default/" + name + "/a");
    ASSERT_TRUE(s.PutRevision(scope, rev, {{"serviceRevisionArn", rev}}).ok());
    ASSERT_TRUE(s.PutDeployment(scope, dep, "default", name, {{"createdAt", 1.0}}).ok());
  };
  put("web", "INACTIVE", 1000);
  put("web2", "ACTIVE", 1000);
  put("late", "INACTIVE", 5000);
  ASSERT_TRUE(s.ForgetDeletedBefore(2000).ok());
  EXPECT_FALSE(s.GetService(scope, "default", "web")->has_value());
  EXPECT_TRUE(s.Deployments(scope, "default", "web")->empty());
  EXPECT_FALSE(
      s.GetRevision(scope, MakeArn("ecs", scope, "service-revision/default/web/1"))->has_value());
  EXPECT_TRUE(s.GetService(scope, "default", "web2")->has_value());
  EXPECT_EQ(s.Deployments(scope, "default", "web2")->size(), 1u);
  EXPECT_TRUE(
      s.GetRevision(scope, MakeArn("ecs", scope, "service-revision/default/web2/1"))->has_value());
  EXPECT_TRUE(s.GetService(scope, "default", "late")->has_value());
  EXPECT_EQ(s.Deployments(scope, "default", "late")->size(), 1u);
}

}  // namespace
}  // namespace nimbus::ecs
