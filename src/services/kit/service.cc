#include "services/kit/service.h"

namespace nimbus {

std::vector<FlagSpec> FlagsOf(std::span<const ServiceFactory> factories) {
  std::vector<FlagSpec> flags;
  for (const ServiceFactory& f : factories)
    flags.insert(flags.end(), f.flags.begin(), f.flags.end());
  return flags;
}

Result<std::vector<std::unique_ptr<ServiceEndpoint>>> BuildServices(
    std::span<const ServiceFactory> factories, ServiceContext& ctx) {
  if (ctx.db == nullptr || ctx.clock == nullptr) {
    return Status::FailedPrecondition("services need the database and the clock");
  }
  ctx.flags.FillDefaults(FlagsOf(factories));
  std::vector<std::unique_ptr<ServiceEndpoint>> services;
  for (const ServiceFactory& f : factories) {
    auto provider = f.create(ctx);
    if (!provider.ok()) {
      return Status(provider.error().code(),
                    "service '" + std::string(f.name) + "': " + provider.error().message());
    }
    if ((*provider)->service_name() != f.name) {
      return Status::FailedPrecondition("service '" + std::string(f.name) +
                                        "' built a provider for '" +
                                        std::string((*provider)->service_name()) + "'");
    }
    auto endpoint = ServiceEndpoint::Create(std::move(*provider));
    if (!endpoint.ok()) return endpoint.error();
    services.push_back(std::move(*endpoint));
  }
  return services;
}

}  // namespace nimbus
