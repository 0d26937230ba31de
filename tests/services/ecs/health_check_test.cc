// Container health checks: ECS's defaults, the probe's argv, Docker's state machine (retries,
// startPeriod, recovery) and the task's health from its essential containers.
#include "services/ecs/runtime/health_check.h"

#include <gtest/gtest.h>

namespace nimbus::ecs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = HealthState::Clock;

TEST(HealthCheckTest, DefaultsAndScale) {
  EXPECT_FALSE(ParseHealthCheck(Value::object(), seconds(1)));
  Value def = {{"healthCheck", {{"command", {"CMD-SHELL", "true"}}}}};
  auto c = ParseHealthCheck(def, seconds(1));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->interval, seconds(30));
  EXPECT_EQ(c->timeout, seconds(5));
  EXPECT_EQ(c->start_period, seconds(0));
  EXPECT_EQ(c->retries, 3);
  def["healthCheck"]["interval"] = 5;
  def["healthCheck"]["startPeriod"] = 10;
  def["healthCheck"]["retries"] = 1;
  c = ParseHealthCheck(def, milliseconds(100));  // --ecs-health-check-second-ms 100
  EXPECT_EQ(c->interval, milliseconds(500));
  EXPECT_EQ(c->timeout, milliseconds(500));
  EXPECT_EQ(c->start_period, milliseconds(1000));
  EXPECT_EQ(c->retries, 1);
}

TEST(HealthCheckTest, ProbeArgv) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ProbeArgv({"CMD", "curl", "-f", "http://localhost/"}),
            (V{"curl", "-f", "http://localhost/"}));
  EXPECT_EQ(ProbeArgv({"CMD-SHELL", "test -e /ok || exit 1"}),
            (V{"/bin/sh", "-c", "test -e /ok || exit 1"}));
  EXPECT_EQ(ProbeArgv({"CMD-SHELL", "echo", "a"}), (V{"/bin/sh", "-c", "echo a"}));
  EXPECT_TRUE(ProbeArgv({"CMD"}).empty());
  EXPECT_TRUE(ProbeArgv({"NONE"}).empty());
  EXPECT_TRUE(ProbeArgv({"curl", "x"}).empty());
}

TEST(HealthCheckTest, RetriesMakeItUnhealthyAndOneSuccessHealthy) {
  HealthCheckConfig c{{"CMD", "x"}, seconds(5), seconds(5), seconds(0), 3};
  auto t0 = Clock::now();
  HealthState s(c, t0);
  EXPECT_EQ(s.health(), Health::kUnknown);
  EXPECT_FALSE(s.Record(false, t0 + seconds(5)));
  EXPECT_FALSE(s.Record(false, t0 + seconds(10)));
  EXPECT_TRUE(s.Record(false, t0 + seconds(15)));
  EXPECT_EQ(s.health(), Health::kUnhealthy);
  EXPECT_TRUE(s.Record(true, t0 + seconds(20)));
  EXPECT_EQ(s.health(), Health::kHealthy);
  EXPECT_FALSE(s.Record(false, t0 + seconds(25)));  // the streak starts over
  EXPECT_FALSE(s.Record(false, t0 + seconds(30)));
  EXPECT_EQ(s.health(), Health::kHealthy);
  EXPECT_TRUE(s.Record(false, t0 + seconds(35)));
  EXPECT_EQ(s.health(), Health::kUnhealthy);
}

TEST(HealthCheckTest, StartPeriodForgivesFailuresUntilTheFirstSuccess) {
  HealthCheckConfig c{{"CMD", "x"}, seconds(5), seconds(5), seconds(20), 1};
  auto t0 = Clock::now();
  HealthState s(c, t0);
  EXPECT_FALSE(s.Record(false, t0 + seconds(5)));
  EXPECT_FALSE(s.Record(false, t0 + seconds(15)));
  EXPECT_EQ(s.health(), Health::kUnknown);
  EXPECT_TRUE(s.Record(false, t0 + seconds(20)));  // the period is over
  EXPECT_EQ(s.health(), Health::kUnhealthy);
  HealthState early(c, t0);  // a success inside the period ends it
  EXPECT_TRUE(early.Record(true, t0 + seconds(5)));
  EXPECT_TRUE(early.Record(false, t0 + seconds(10)));
  EXPECT_EQ(early.health(), Health::kUnhealthy);
}

TEST(HealthCheckTest, TaskHealthFollowsEssentialContainersWithChecks) {
  using H = Health;
  EXPECT_EQ(TaskHealth({}), H::kUnknown);
  EXPECT_EQ(TaskHealth({{true, false, H::kUnknown}}), H::kUnknown);  // no checks at all
  EXPECT_EQ(TaskHealth({{true, true, H::kHealthy}, {true, false, H::kUnknown}}), H::kHealthy);
  EXPECT_EQ(TaskHealth({{true, true, H::kHealthy}, {true, true, H::kUnknown}}), H::kUnknown);
  EXPECT_EQ(TaskHealth({{true, true, H::kUnknown}, {true, true, H::kUnhealthy}}), H::kUnhealthy);
  // A non-essential container's health does not count.
  EXPECT_EQ(TaskHealth({{true, true, H::kHealthy}, {false, true, H::kUnhealthy}}), H::kHealthy);
  EXPECT_EQ(TaskHealth({{false, true, H::kHealthy}}), H::kUnknown);
  EXPECT_STREQ(HealthName(H::kUnhealthy), "UNHEALTHY");
}

}  // namespace
}  // namespace nimbus::ecs
