// ECR: the Amazon ECR API (json 1.1) and an OCI Distribution v1.1 registry under /v2/, over
// one SQLite schema and a content-addressed blob store.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "protocol/provider.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace nimbus::ecr {

struct EcrConfig {
  store::Database* db = nullptr;  // must outlive the provider
  std::string data_dir;           // blobs live in <data_dir>/ecr/blobs
  const Clock* clock = nullptr;   // must outlive the provider
  std::string registry_host;      // host[:port] of repositoryUri
  // /v2/ requires a token from GetAuthorizationToken (--credentials mode). Otherwise requests
  // without a valid token act as account 000000000000 in us-east-1.
  bool require_registry_auth = false;
};

// Creates the ECR provider: applies the "ecr" migrations and opens the blob store. Fails when
// either fails.
Result<std::unique_ptr<Provider>> MakeEcrProvider(const EcrConfig& config);

}  // namespace nimbus::ecr
