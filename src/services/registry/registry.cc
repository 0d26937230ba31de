#include "services/registry/registry.h"

#include "services/logs/log_store.h"
#include "services/logs/logs_provider.h"
#include "services/ecr/ecr_provider.h"
#include "services/lambda/lambda_provider.h"
#include "services/registry/lambda_log_sink.h"
#include "services/sts/sts_provider.h"

namespace nimbus {

Result<std::vector<std::unique_ptr<Provider>>> MakeProviders(const ServiceDeps& deps) {
  std::vector<std::unique_ptr<Provider>> providers;
  providers.push_back(MakeStsProvider());
  // One LogStore for the logs API and every service that ships logs (Lambda, ECS).
  if (deps.db == nullptr || deps.clock == nullptr) {
    return Status::FailedPrecondition("providers need the database and the clock");
  }
  auto log_store = logs::MakeLogStore(*deps.db, *deps.clock);
  if (!log_store.ok()) return log_store.error();
  providers.push_back(logs::MakeLogsProvider(*log_store));
  ecr::EcrConfig ecr_config{deps.db, deps.data_dir, deps.clock, deps.registry_host};
  ecr_config.require_registry_auth = deps.strict_auth;  // /v2/ needs a GetAuthorizationToken token
  auto ecr = ecr::MakeEcrProvider(ecr_config);
  if (!ecr.ok()) return ecr.error();
  providers.push_back(std::move(*ecr));
  auto lambda =
      lambda::MakeLambdaProvider(deps, MakeLambdaLogSink(*log_store), lambda::MakeDataPlane);
  if (!lambda.ok()) return lambda.error();
  providers.push_back(std::move(*lambda));
  return providers;
}

}  // namespace nimbus
