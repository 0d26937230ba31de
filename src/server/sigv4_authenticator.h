// The gateway's RequestAuthenticator backed by SigV4 (src/auth): open mode accepts any access
// key (account from the key, else 000000000000); strict mode (--credentials FILE) verifies every
// signature. Immutable and thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "server/gateway.h"

namespace nimbus {

// Open mode when `credentials_file` is empty. Fails when the file cannot be read or parsed.
Result<std::unique_ptr<RequestAuthenticator>> MakeSigV4Authenticator(
    const std::string& credentials_file, const Clock& clock);

}  // namespace nimbus
