#include "services/registry/registry.h"

#include "services/lambda/lambda_provider.h"
#include "services/sts/sts_provider.h"

namespace nimbus {

Result<std::vector<std::unique_ptr<Provider>>> MakeProviders(const ServiceDeps& deps) {
  std::vector<std::unique_ptr<Provider>> providers;
  providers.push_back(MakeStsProvider());
  auto lambda = lambda::MakeLambdaProvider(deps);
  if (!lambda.ok()) return lambda.error();
  providers.push_back(std::move(*lambda));
  return providers;
}

}  // namespace nimbus
