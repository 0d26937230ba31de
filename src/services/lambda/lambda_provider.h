// The Lambda provider: the control plane (control/) hosting the data plane (invoke/, see
// data_plane.h).
//
// MakeLambdaProvider opens the control plane (which is the FunctionRegistry), then builds the
// data plane through `data_plane` (pass lambda::MakeDataPlane) with DataPlaneDeps filled from
// ServiceDeps. The provider registers the control-plane operations first and then lets the data
// plane register its operations (Invoke) and routes (it may override an operation); Shutdown is
// forwarded. The data plane is destroyed before the registry it reads.
#pragma once

#include <functional>
#include <memory>

#include "protocol/provider.h"
#include "services/lambda/data_plane.h"
#include "services/registry/registry.h"

namespace nimbus::lambda {

// Builds the data plane (lambda::MakeDataPlane has this signature).
using DataPlaneFactory = std::function<Result<std::unique_ptr<DataPlane>>(DataPlaneDeps)>;

// Creates the Lambda provider over deps.db, deps.blobs, deps.clock and deps.data_dir. Without a
// data plane factory only the control plane is served (Invoke answers 501). `logs` (may be null)
// is handed to the data plane. Fails when the schema migration, loading the stored functions or
// the data plane fails.
Result<std::unique_ptr<Provider>> MakeLambdaProvider(const ServiceDeps& deps,
                                                     std::shared_ptr<LogSink> logs = nullptr,
                                                     DataPlaneFactory data_plane = nullptr);

}  // namespace nimbus::lambda
