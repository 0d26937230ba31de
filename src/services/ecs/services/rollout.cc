#include "services/ecs/services/rollout.h"

#include <algorithm>

namespace nimbus::ecs {

int64_t MaxTasks(int64_t desired, int64_t maximum_percent) {
  return desired * maximum_percent / 100;
}

int64_t MinHealthyTasks(int64_t desired, int64_t minimum_healthy_percent) {
  return (desired * minimum_healthy_percent + 99) / 100;
}

RolloutPlan PlanRollout(const RolloutInput& in) {
  RolloutPlan plan;
  int64_t live = 0;  // not STOPPED: what maximumPercent caps
  std::vector<const RolloutTask*> primary, old;
  for (const RolloutTask& t : in.tasks) {
    ++live;
    if (!t.wanted) continue;
    if (in.draining) {
      plan.stop.push_back({t.id, StopWhy::kDraining});
    } else if (t.unhealthy) {
      plan.stop.push_back({t.id, StopWhy::kUnhealthy});
    } else {
      (t.deployment == in.primary ? primary : old).push_back(&t);
    }
  }
  if (in.draining) return plan;
  // New tasks count once healthy; old ones while RUNNING (and not failing health checks).
  int64_t healthy = 0;
  for (const RolloutTask* t : primary) healthy += t->healthy ? 1 : 0;
  for (const RolloutTask* t : old) healthy += t->running ? 1 : 0;
  // Least useful first: not running, then not healthy, then the newest.
  auto worse_first = [](const RolloutTask* a, const RolloutTask* b) {
    if (a->running != b->running) return !a->running;
    if (a->healthy != b->healthy) return !a->healthy;
    return a->created > b->created;
  };
  // Scale-in of the primary.
  int64_t extra = static_cast<int64_t>(primary.size()) - in.desired;
  if (extra > 0) {
    std::sort(primary.begin(), primary.end(), worse_first);
    for (int64_t i = 0; i < extra; ++i) {
      plan.stop.push_back({primary[i]->id, StopWhy::kScaleIn});
      healthy -= primary[i]->healthy ? 1 : 0;
    }
    primary.erase(primary.begin(), primary.begin() + extra);
  }
  // Old tasks go while the healthy floor holds; unhealthy and unstarted ones go at once.
  int64_t floor = MinHealthyTasks(in.desired, in.minimum_healthy_percent);
  std::sort(old.begin(), old.end(), worse_first);
  for (const RolloutTask* t : old) {
    if (!t->running) {
      plan.stop.push_back({t->id, StopWhy::kReplaced});
    } else if (healthy - 1 >= floor) {
      plan.stop.push_back({t->id, StopWhy::kReplaced});
      --healthy;
    }
  }
  if (in.may_launch) {
    int64_t missing = in.desired - static_cast<int64_t>(primary.size());
    int64_t room = old.empty() ? missing : MaxTasks(in.desired, in.maximum_percent) - live;
    plan.start = std::max<int64_t>(0, std::min(missing, room));
  }
  return plan;
}

}  // namespace nimbus::ecs
