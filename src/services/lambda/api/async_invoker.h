// What Lambda offers other services: an asynchronous (Event) invocation of a function named by
// its ARN, queued durably in Lambda's event queue with Lambda's retries (SNS subscriptions of
// protocol lambda; later EventBridge targets). Published in ServiceLinks::lambda_invoker by the
// Lambda service when it runs invokes.
#pragma once

#include <string>

#include "core/status.h"

namespace nimbus::lambda {

// Thread-safe.
class AsyncInvoker {
 public:
  virtual ~AsyncInvoker() = default;
  // Queues an Event invocation of `function_arn` ("arn:aws:lambda:<region>:<account>:function:
  // <name>[:<qualifier>]") with `payload` (JSON), durable when it returns. NotFound when no
  // such function (or qualifier) exists, FailedPrecondition when it is not Active,
  // InvalidArgument for a malformed ARN, another code when the queue cannot be written.
  virtual Status InvokeAsync(const std::string& function_arn, const std::string& payload) = 0;
};

}  // namespace nimbus::lambda
