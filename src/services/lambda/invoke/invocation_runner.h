// What the front parts of the data plane (Invoke, InvokeWithResponseStream, function URLs, the
// Event queue, event source mappings' batches) need of the scheduler behind them: run one
// invocation to its end on an execution environment. DataPlaneImpl implements it; unit tests
// of those parts fake it. Internal to the data plane.
#pragma once

#include <memory>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/aws_error.h"
#include "core/status.h"
#include "services/lambda/invoke/invocation.h"

namespace nimbus::lambda {

class InvocationRunner {
 public:
  virtual ~InvocationRunner() = default;
  // Runs `inv` to completion (or timeout/crash) on an environment and returns once its outcome
  // is set (inv->finished, function_error, result; streamed bytes went to inv->stream). Returns
  // an AwsError only when the invocation could not start (throttled, no environment, shutting
  // down); function failures are outcomes on `inv`. Await it on one of the data plane's loops.
  virtual boost::asio::awaitable<Result<bool, AwsError>> Run(std::shared_ptr<Invocation> inv) = 0;
};

}  // namespace nimbus::lambda
