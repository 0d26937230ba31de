// `nimbus ecs SUBCOMMAND ...`: nimbus's own ECS tools, clients of a running nimbus.
#pragma once

#include <string>
#include <vector>

namespace nimbus::ecs::cli {

// Runs `args` (after "ecs": the subcommand and its arguments); the process's exit code.
int RunEcsCommand(const std::vector<std::string>& args);

}  // namespace nimbus::ecs::cli
