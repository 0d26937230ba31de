// Lambda (model "lambda", rest-json): the control plane (control/, which is the
// FunctionRegistry) hosting the data plane (invoke/, see data_plane.h).
//
// The provider registers the control-plane operations and then lets the data plane register
// its own (Invoke) and its routes; Shutdown is forwarded. The data plane is destroyed before
// the registry it reads. Function logs go to ServiceLinks::log_sink (dropped when null).
#pragma once

#include "services/kit/service.h"

namespace nimbus::lambda {

// The Lambda service. Flags: --lambda-concurrency, --lambda-idle-seconds,
// --lambda-async-retry-seconds, --lambda-outbound. Fails when the schema migration, loading the stored functions
// or the data plane fails. Without event loops and listeners in the context (an in-process
// harness) only the control plane is served and Invoke answers 501.
ServiceFactory LambdaService();

}  // namespace nimbus::lambda
