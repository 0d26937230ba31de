// dependsOn conditions against the progress of a task's other containers.
#include "services/ecs/runtime/dependencies.h"

#include <gtest/gtest.h>

namespace nimbus::ecs {
namespace {

Value On(const char* name, const char* condition) {
  return Value::array({{{"containerName", name}, {"condition", condition}}});
}

TEST(DependenciesTest, ConditionsWaitResolveOrFail) {
  std::map<std::string, ContainerProgress> p = {{"a", {}}};
  EXPECT_EQ(CheckDependencies(Value::array(), p).state, DependencyVerdict::kReady);
  EXPECT_EQ(CheckDependencies(On("a", "START"), p).state, DependencyVerdict::kWaiting);
  EXPECT_EQ(CheckDependencies(On("a", "COMPLETE"), p).state, DependencyVerdict::kWaiting);
  p["a"].started = true;
  EXPECT_EQ(CheckDependencies(On("a", "START"), p).state, DependencyVerdict::kReady);
  EXPECT_EQ(CheckDependencies(On("a", "SUCCESS"), p).state, DependencyVerdict::kWaiting);
  p["a"].exit_code = 2;
  EXPECT_EQ(CheckDependencies(On("a", "COMPLETE"), p).state, DependencyVerdict::kReady);
  auto failed = CheckDependencies(On("a", "SUCCESS"), p);
  EXPECT_EQ(failed.state, DependencyVerdict::kFailed);
  EXPECT_EQ(failed.reason, "dependency a (SUCCESS): it exited with code 2");
  p["a"].exit_code = 0;
  EXPECT_EQ(CheckDependencies(On("a", "SUCCESS"), p).state, DependencyVerdict::kReady);
  EXPECT_EQ(CheckDependencies(On("a", "HEALTHY"), p).reason,
            "dependency a (HEALTHY): it exited before its health check passed");
  EXPECT_EQ(CheckDependencies(On("b", "START"), p).state, DependencyVerdict::kFailed);
  p["a"] = ContainerProgress{};
  p["a"].started = true;
  EXPECT_EQ(CheckDependencies(On("a", "HEALTHY"), p).state, DependencyVerdict::kWaiting);
  p["a"].health = Health::kUnhealthy;  // it may recover: still waiting
  EXPECT_EQ(CheckDependencies(On("a", "HEALTHY"), p).state, DependencyVerdict::kWaiting);
  p["a"].health = Health::kHealthy;
  EXPECT_EQ(CheckDependencies(On("a", "HEALTHY"), p).state, DependencyVerdict::kReady);
  p["a"] = ContainerProgress{};
  p["a"].start_failed = true;
  EXPECT_EQ(CheckDependencies(On("a", "START"), p).reason,
            "dependency a (START): it did not start");
}

}  // namespace
}  // namespace nimbus::ecs
