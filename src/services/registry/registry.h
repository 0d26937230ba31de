// The one explicit table of the AWS services nimbus serves (nimbus serve, the fuzzers and the
// tests all iterate it). Add a service here: its ServiceFactory (services/kit/service.h).
#pragma once

#include <vector>

#include "services/kit/service.h"

namespace nimbus {

// Every service, in creation order: a service may use only what one listed before it publishes
// in ServiceLinks (logs comes before Lambda, which ships its functions' output there).
const std::vector<ServiceFactory>& AllServices();

}  // namespace nimbus
