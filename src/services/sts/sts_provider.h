// STS: who is calling. GetCallerIdentity answers from the caller's verified credentials.
#pragma once

#include <memory>

#include "protocol/provider.h"

namespace nimbus {

// Creates the STS provider. Stateless and thread-safe.
std::unique_ptr<Provider> MakeStsProvider();

}  // namespace nimbus
