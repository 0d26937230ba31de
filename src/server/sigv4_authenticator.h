// The gateway's RequestAuthenticator backed by SigV4 (src/auth): open mode accepts any access
// key (account from the key, else 000000000000); strict mode (--credentials FILE) verifies every
// signature. Immutable and thread-safe.
#pragma once

#include <memory>
#include <string>

#include "auth/credential_issuer.h"
#include "core/clock.h"
#include "core/status.h"
#include "server/gateway.h"

namespace nimbus {

// Open mode when `credentials_file` is empty. In strict mode a key not in the file is looked up
// in `issued` (may be null; must outlive the authenticator): credentials nimbus gave its
// functions and tasks. Fails when the file cannot be read or parsed.
Result<std::unique_ptr<RequestAuthenticator>> MakeSigV4Authenticator(
    const std::string& credentials_file, const Clock& clock,
    const auth::CredentialIssuer* issued = nullptr);

}  // namespace nimbus
