// `nimbus ecs drift [--cluster C] [--output text|json]`: the containers of running service
// tasks whose image digest differs from the digest their tag names now in nimbus's registry
// (software version consistency pins a deployment's digests; a re-pushed tag drifts until the
// next deployment). Asks a running nimbus over its AWS APIs (ecs ListServices/DescribeServices/
// ListTasks/DescribeTasks, ecr DescribeImages), as the AWS CLI would.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "protocol/call.h"

namespace nimbus::ecs::cli {

// What a tag names now.
struct TagNow {
  std::string digest;
  double pushed_at = 0;  // epoch seconds
};

// One drifted container of one service (its tasks that run that digest).
struct DriftRow {
  std::string cluster, service, container;
  std::string image;  // as the task definition names it ("<registry>/<repo>:<tag>")
  std::string running_digest, current_digest;
  double pushed_at = 0;            // when the current digest was pushed
  std::vector<std::string> tasks;  // task ids
};

// The drifted containers of `tasks` (DescribeTasks' tasks of one service). `current` answers
// what an image's tag names now, or nullopt when it cannot tell (another registry, a digest
// reference, a tag that is gone): those containers are skipped. Pure.
std::vector<DriftRow> FindDrift(
    const std::string& cluster, const std::string& service, const Value& tasks,
    const std::function<std::optional<TagNow>(const std::string&)>& current);

// Runs the command with `args` (after "drift"); writes the report to `out`, problems to `err`.
// 0 when it could ask nimbus (drift or none), 1 otherwise, 2 for bad usage.
int RunDrift(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace nimbus::ecs::cli
