// STS (model "sts", query): who is calling, and temporary credentials. GetCallerIdentity answers
// from the caller's verified credentials (an assumed role's session for credentials nimbus
// issued); AssumeRole and GetSessionToken issue credentials through ServiceContext::credentials,
// which strict mode then accepts. nimbus has no IAM: any role ARN may be assumed, in strict mode
// only within the caller's own account.
#pragma once

#include "services/kit/service.h"

namespace nimbus {

// The STS service: no flags, no state of its own (issued credentials live in the issuer).
ServiceFactory StsService();

}  // namespace nimbus
