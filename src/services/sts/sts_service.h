// STS (model "sts", query): who is calling. GetCallerIdentity answers from the caller's verified
// credentials. Stateless.
#pragma once

#include "services/kit/service.h"

namespace nimbus {

// The STS service: no flags, no state.
ServiceFactory StsService();

}  // namespace nimbus
