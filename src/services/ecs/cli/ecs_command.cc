#include "services/ecs/cli/ecs_command.h"

#include <iostream>

#include "services/ecs/cli/drift.h"
#include "services/ecs/exec/exec_client.h"

namespace nimbus::ecs::cli {

int RunEcsCommand(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "exec") return exec::RunExecClient({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "drift") {
    return RunDrift({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  std::cerr << exec::EcsCommandUsage()
            << "usage: nimbus ecs drift [--cluster CLUSTER] [--output text|json]\n"
               "  lists service containers whose running image digest differs from the digest\n"
               "  their tag names now (talks to the nimbus at AWS_ENDPOINT_URL, else\n"
               "  http://localhost:4566)\n";
  return 2;
}

}  // namespace nimbus::ecs::cli
