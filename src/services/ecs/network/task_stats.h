// The statistics of ${ECS_CONTAINER_METADATA_URI_V4}/stats and /task/stats, shaped as Docker's
// container stats (API v1.30, which ECS's agent relays): read/preread, pids_stats, cpu_stats and
// precpu_stats (the previous sample), memory_stats, name, id and networks, read from the
// containers' cgroups (v1 or v2) and the task's namespace's /proc/net/dev.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "protocol/call.h"
#include "sandbox/fd.h"
#include "services/ecs/runtime/task_network.h"

namespace nimbus::ecs {

// "networks" of Docker's stats from a /proc/net/dev text: every interface but lo. Pure.
Value NetworksFromProcNetDev(const std::string& text);

// One task's containers' statistics. Thread-safe (containers are added from the task's thread,
// samples taken on event loops).
class TaskStats {
 public:
  // `netns`: a duplicate of the task's namespace descriptor (owned; invalid: no networks).
  TaskStats(sandbox::UniqueFd netns, const Clock& clock);
  void Add(const std::string& name, const std::string& runtime_id, const ContainerCgroups& cgroups);
  // {"<runtimeId>": stats} of every container started so far.
  Value Sample();
  // Container name -> runtime id of every container started so far.
  std::map<std::string, std::string> Started();

 private:
  struct Container {
    std::string name;
    ContainerCgroups cgroups;
    Value previous;  // the last cpu_stats, and when it was read
    std::string previous_read;
  };
  sandbox::UniqueFd netns_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Container> containers_;  // by runtime id
};

}  // namespace nimbus::ecs
