#include "services/ecs/runtime/dependencies.h"

#include "services/kit/input.h"

namespace nimbus::ecs {

DependencyVerdict CheckDependencies(const Value& depends_on,
                                    const std::map<std::string, ContainerProgress>& progress) {
  DependencyVerdict verdict;
  if (!depends_on.is_array()) return verdict;
  for (const Value& d : depends_on) {
    std::string name = Str(d, "containerName"), condition = Str(d, "condition");
    auto it = progress.find(name);
    auto fail = [&](std::string why) {
      return DependencyVerdict{DependencyVerdict::kFailed,
                               "dependency " + name + " (" + condition + "): " + std::move(why)};
    };
    if (it == progress.end()) return fail("no such container in the task");
    const ContainerProgress& p = it->second;
    if (p.start_failed) return fail("it did not start");
    if (condition == "HEALTHY") {
      // An unhealthy container may recover: only its exit (or startTimeout) ends the wait.
      if (p.exit_code) return fail("it exited before its health check passed");
      if (p.health != Health::kHealthy) verdict.state = DependencyVerdict::kWaiting;
    } else if (condition == "START") {
      if (!p.started) verdict.state = DependencyVerdict::kWaiting;
    } else if (condition == "COMPLETE" || condition == "SUCCESS") {
      if (!p.exit_code) {
        verdict.state = DependencyVerdict::kWaiting;
      } else if (condition == "SUCCESS" && *p.exit_code != 0) {
        return fail("it exited with code " + std::to_string(*p.exit_code));
      }
    } else {
      return fail("unknown condition");
    }
  }
  return verdict;
}

}  // namespace nimbus::ecs
