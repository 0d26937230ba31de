#include <cstdio>
#include <utility>

#include "services/ecs/ecs_service.h"
#include "services/ecs/ecs_state.h"
#include "services/ecs/ops.h"
#include "services/ecs/runtime/no_container_runtime.h"
#include "services/ecs/runtime/recovery.h"
#include "services/kit/operations.h"

namespace nimbus::ecs {
namespace {

// Operations of the model not listed here answer 501 naming them.
constexpr Operation<EcsState> kOperations[] = {
    {"CreateCluster", ops::CreateCluster},
    {"DescribeClusters", ops::DescribeClusters},
    {"ListClusters", ops::ListClusters},
    {"DeleteCluster", ops::DeleteCluster},
    {"RegisterTaskDefinition", ops::RegisterTaskDefinition},
    {"DescribeTaskDefinition", ops::DescribeTaskDefinition},
    {"ListTaskDefinitions", ops::ListTaskDefinitions},
    {"ListTaskDefinitionFamilies", ops::ListTaskDefinitionFamilies},
    {"DeregisterTaskDefinition", ops::DeregisterTaskDefinition},
    {"DeleteTaskDefinitions", ops::DeleteTaskDefinitions},
    {"RunTask", ops::RunTask},
    {"StartTask", ops::StartTask},
    {"StopTask", ops::StopTask},
    {"DescribeTasks", ops::DescribeTasks},
    {"ListTasks", ops::ListTasks},
    {"TagResource", ops::TagResource},
    {"UntagResource", ops::UntagResource},
    {"ListTagsForResource", ops::ListTagsForResource},
    {"ListAccountSettings", ops::ListAccountSettings},
    {"PutAccountSetting", ops::PutAccountSetting},
    {"PutAccountSettingDefault", ops::PutAccountSettingDefault},
    {"DeleteAccountSetting", ops::DeleteAccountSetting},
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto store = MakeEcsStore(*ctx.db, *ctx.clock);
  if (!store.ok()) return store.error();
  auto recovered = StopTasksLeftByRestart(**store);
  if (!recovered.ok()) return recovered.error();
  if (*recovered > 0) {
    std::fprintf(stderr, "nimbus: ecs: %d task(s) left running by the last run reported STOPPED\n",
                 *recovered);
  }
  auto state = std::make_shared<EcsState>();
  state->store = *store;
  state->runtime = MakeNoContainerRuntime(*store, "nimbus runs no containers in this process");
  return MakeProvider("ecs", std::move(state), kOperations);
}

}  // namespace

ServiceFactory EcsService() { return {"ecs", {}, Create}; }

}  // namespace nimbus::ecs
