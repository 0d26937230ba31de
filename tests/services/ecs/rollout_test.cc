#include "services/ecs/services/rollout.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace nimbus::ecs {
namespace {

RolloutTask Task(const std::string& id, const std::string& dep, bool running, bool healthy,
                 double created = 0) {
  RolloutTask t;
  t.id = id;
  t.deployment = dep;
  t.running = running;
  t.healthy = healthy;
  t.created = created;
  return t;
}

std::vector<std::string> Stopped(const RolloutPlan& p) {
  std::vector<std::string> ids;
  for (const auto& s : p.stop) ids.push_back(s.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(RolloutTest, RoundsMaximumDownAndMinimumUp) {
  EXPECT_EQ(MaxTasks(3, 150), 4);        // 4.5 -> 4
  EXPECT_EQ(MinHealthyTasks(3, 50), 2);  // 1.5 -> 2
  EXPECT_EQ(MinHealthyTasks(4, 50), 2);
  EXPECT_EQ(MaxTasks(1, 100), 1);
}

TEST(RolloutTest, StartsMissingTasksOfASingleDeployment) {
  RolloutInput in;
  in.desired = 3;
  in.primary = "d1";
  in.tasks = {Task("a", "d1", true, true)};
  RolloutPlan p = PlanRollout(in);
  EXPECT_EQ(p.start, 2);
  EXPECT_TRUE(p.stop.empty());
}

TEST(RolloutTest, ScaleInStopsTheLeastUsefulTasks) {
  RolloutInput in;
  in.desired = 1;
  in.primary = "d1";
  in.tasks = {Task("old", "d1", true, true, 1), Task("pending", "d1", false, false, 3),
              Task("newer", "d1", true, true, 2)};
  RolloutPlan p = PlanRollout(in);
  EXPECT_EQ(p.start, 0);
  EXPECT_EQ(Stopped(p), (std::vector<std::string>{"newer", "pending"}));
  for (const auto& s : p.stop) EXPECT_EQ(s.why, StopWhy::kScaleIn);
}

TEST(RolloutTest, HalfAndFullPercentStopsOldTasksFirst) {
  // desired 4, min 50 %, max 100 %: two old ones go before any new one starts (AWS's example).
  RolloutInput in;
  in.desired = 4;
  in.minimum_healthy_percent = 50;
  in.maximum_percent = 100;
  in.primary = "new";
  for (int i = 0; i < 4; ++i) in.tasks.push_back(Task("o" + std::to_string(i), "old", true, true));
  RolloutPlan p = PlanRollout(in);
  EXPECT_EQ(p.stop.size(), 2u);
  EXPECT_EQ(p.start, 0);  // the stopping ones still count toward maximumPercent
  // Once they are gone, two new ones start.
  in.tasks.resize(2);
  p = PlanRollout(in);
  EXPECT_EQ(p.start, 2);
  EXPECT_TRUE(p.stop.empty());  // the floor of 2 holds the remaining old tasks
}

TEST(RolloutTest, FullAndDoublePercentStartsAllNewBeforeStoppingOld) {
  RolloutInput in;
  in.desired = 4;
  in.primary = "new";
  for (int i = 0; i < 4; ++i) in.tasks.push_back(Task("o" + std::to_string(i), "old", true, true));
  RolloutPlan p = PlanRollout(in);
  EXPECT_EQ(p.start, 4);
  EXPECT_TRUE(p.stop.empty());
  // New tasks RUNNING but not healthy yet: the old ones stay.
  for (int i = 0; i < 4; ++i) in.tasks.push_back(Task("n" + std::to_string(i), "new", true, false));
  p = PlanRollout(in);
  EXPECT_EQ(p.start, 0);
  EXPECT_TRUE(p.stop.empty());
  for (auto& t : in.tasks) t.healthy = true;
  p = PlanRollout(in);
  EXPECT_EQ(Stopped(p), (std::vector<std::string>{"o0", "o1", "o2", "o3"}));
}

TEST(RolloutTest, UnhealthyAndUnstartedOldTasksGoAtOnce) {
  RolloutInput in;
  in.desired = 2;
  in.primary = "new";
  in.tasks = {Task("pending-old", "old", false, false), Task("ok-old", "old", true, true)};
  RolloutTask sick = Task("sick", "new", true, false);
  sick.unhealthy = true;
  in.tasks.push_back(sick);
  RolloutPlan p = PlanRollout(in);
  EXPECT_EQ(Stopped(p), (std::vector<std::string>{"pending-old", "sick"}));
  EXPECT_EQ(p.start, 1);  // max 4 - 3 live; the primary needs 2
}

TEST(RolloutTest, FailedPrimaryLaunchesNothingAndDrainingStopsAll) {
  RolloutInput in;
  in.desired = 2;
  in.primary = "d1";
  in.may_launch = false;
  in.tasks = {Task("a", "d1", true, true)};
  EXPECT_EQ(PlanRollout(in).start, 0);
  in.draining = true;
  RolloutPlan p = PlanRollout(in);
  ASSERT_EQ(p.stop.size(), 1u);
  EXPECT_EQ(p.stop[0].why, StopWhy::kDraining);
}

}  // namespace
}  // namespace nimbus::ecs
