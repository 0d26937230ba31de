#include <utility>

#include "services/ecs/ecs_service.h"
#include "services/ecs/ops.h"
#include "services/kit/operations.h"

namespace nimbus::ecs {
namespace {

// Operations of the model not listed here answer 501 naming them.
constexpr Operation<EcsStore> kOperations[] = {
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
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto store = MakeEcsStore(*ctx.db, *ctx.clock);
  if (!store.ok()) return store.error();
  return MakeProvider("ecs", std::move(*store), kOperations);
}

}  // namespace

ServiceFactory EcsService() { return {"ecs", {}, Create}; }

}  // namespace nimbus::ecs
