// ECR: the Amazon ECR API (json 1.1) and an OCI Distribution v1.1 registry under /v2/, over
// one SQLite schema and a content-addressed blob store (<data_dir>/ecr/blobs).
#pragma once

#include "services/kit/service.h"

namespace nimbus::ecr {

// The ECR service. Flag --registry-host: the host[:port] of repositoryUri values (default the
// address served). In --credentials mode /v2/ requires a GetAuthorizationToken token.
ServiceFactory EcrService();

}  // namespace nimbus::ecr
