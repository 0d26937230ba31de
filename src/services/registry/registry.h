// The one explicit list of AWS service providers nimbus serves.
#pragma once

#include <memory>
#include <vector>

#include "protocol/provider.h"

namespace nimbus {

// What providers may depend on. Pointers are owned by the caller and outlive the providers.
struct ServiceDeps {};

// Every provider, in one list. Add a service here.
std::vector<std::unique_ptr<Provider>> MakeProviders(const ServiceDeps& deps);

}  // namespace nimbus
