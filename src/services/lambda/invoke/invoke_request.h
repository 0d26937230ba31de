// What Invoke and InvokeWithResponseStream share: validating the call as AWS does, resolving
// its target, and building the Invocation. Internal to the data plane.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/aws_error.h"
#include "core/clock.h"
#include "protocol/call.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/invoke/invocation.h"

namespace nimbus::lambda {

struct InvokeRequest {
  std::string type;  // InvocationType ("RequestResponse" when absent)
  ResolvedInvoke target;
  std::string payload;         // the event ("{}" when the call sent none)
  std::string client_context;  // decoded JSON text, or empty
  bool tail = false;           // LogType Tail
};

// Validates the input of Invoke (`streaming` false: RequestResponse/Event/DryRun) or
// InvokeWithResponseStream (true: RequestResponse/DryRun) in AWS's order and words (invocation
// type, then the target, payload size and JSON, client context) and resolves the target.
Result<InvokeRequest, AwsError> ParseInvokeRequest(FunctionRegistry& registry,
                                                   const CallContext& call, const Value& input,
                                                   bool streaming);

// An invocation of `target` with `payload`, request id and X-Ray trace header, whose `done`
// waiter belongs to `executor` (the awaiting coroutine's).
std::shared_ptr<Invocation> MakeInvocation(const ResolvedInvoke& target, std::string request_id,
                                           std::string payload, std::string trace_id,
                                           boost::asio::any_io_executor executor);

// A new X-Ray trace header (Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=0).
std::string NewTraceId(const Clock& clock);

// A synchronous invocation of `request` (its payload and client context are moved out) whose
// `done` waiter belongs to `executor` (the caller's).
std::shared_ptr<Invocation> MakeInvocation(const CallContext& call, InvokeRequest& request,
                                           const Clock& clock,
                                           boost::asio::any_io_executor executor);

class InvocationRunner;
class ResponseChannel;

// Runs `inv` on `runner` to its end whether or not the caller still reads, then hands `channel`
// a buffered response as one piece and the outcome (a function error's errorType and message
// as InvokeComplete's ErrorCode and ErrorDetails, the Tail log). stream_op.cc.
boost::asio::awaitable<void> RunIntoChannel(InvocationRunner& runner,
                                            std::shared_ptr<Invocation> inv,
                                            std::shared_ptr<ResponseChannel> channel);

// X-Amz-Log-Result / InvokeComplete.LogResult: the last 4 KB of `inv`'s log, base64.
std::string TailLogResult(const Invocation& inv);

}  // namespace nimbus::lambda
