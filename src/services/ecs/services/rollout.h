// The rolling-update arithmetic of the ECS service scheduler, pure: from a service's tasks,
// its desired count and deployment configuration, which tasks to start and which to stop now.
// AWS's rules: maximumPercent of the desired count, rounded down, caps the tasks that are
// PENDING, RUNNING or stopping; minimumHealthyPercent, rounded up, is the floor of healthy tasks
// a rollout keeps while it stops old ones (a new task counts once healthy, an old one while
// RUNNING); a scale-in and unhealthy or unstarted old tasks are stopped regardless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nimbus::ecs {

// One task of the service that is not STOPPED yet.
struct RolloutTask {
  std::string id;
  std::string deployment;  // startedBy
  bool wanted = true;      // desiredStatus RUNNING (false: being stopped)
  bool running = false;    // lastStatus RUNNING
  bool healthy = false;    // counts toward minimumHealthyPercent
  bool unhealthy = false;  // failed its health checks past the grace period: replace it
  double created = 0;      // createdAt, seconds
};

struct RolloutInput {
  int64_t desired = 0;
  int64_t maximum_percent = 200;
  int64_t minimum_healthy_percent = 100;
  std::string primary;     // the PRIMARY deployment's id
  bool may_launch = true;  // false: the primary is failed or backing off
  bool draining = false;   // DeleteService: stop everything
  std::vector<RolloutTask> tasks;
};

enum class StopWhy { kScaleIn, kReplaced, kUnhealthy, kDraining };

struct RolloutStop {
  std::string id;
  StopWhy why;
};

struct RolloutPlan {
  int64_t start = 0;  // new tasks of the primary deployment
  std::vector<RolloutStop> stop;
};

RolloutPlan PlanRollout(const RolloutInput& in);

// floor(desired * maximum / 100) and ceil(desired * minimum / 100).
int64_t MaxTasks(int64_t desired, int64_t maximum_percent);
int64_t MinHealthyTasks(int64_t desired, int64_t minimum_healthy_percent);

}  // namespace nimbus::ecs
