#include "services/registry/registry.h"

#include "services/sts/sts_provider.h"

namespace nimbus {

Result<std::vector<std::unique_ptr<Provider>>> MakeProviders(const ServiceDeps& /*deps*/) {
  std::vector<std::unique_ptr<Provider>> providers;
  providers.push_back(MakeStsProvider());
  return providers;
}

}  // namespace nimbus
