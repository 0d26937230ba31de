// Version of the nimbus Lambda runtime library.
#pragma once

#define NIMBUS_LAMBDA_RUNTIME_VERSION_MAJOR 0
#define NIMBUS_LAMBDA_RUNTIME_VERSION_MINOR 1
#define NIMBUS_LAMBDA_RUNTIME_VERSION_PATCH 0

namespace nimbus::lambda {
// "major.minor.patch" of the library actually linked.
const char* version();
}  // namespace nimbus::lambda
