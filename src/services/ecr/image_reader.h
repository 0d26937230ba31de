// Internal to ECR: the ImageReader it publishes (api/image_reader.h) over its core.
#pragma once

#include <memory>

#include "services/ecr/api/image_reader.h"
#include "services/ecr/core.h"

namespace nimbus::ecr {

// A reader over `core`, which it keeps alive (an aliasing pointer into the provider's state: the
// reader, shared through ServiceLinks, may outlive the ECR provider during shutdown).
std::shared_ptr<ImageReader> MakeImageReader(std::shared_ptr<EcrCore> core);

}  // namespace nimbus::ecr
