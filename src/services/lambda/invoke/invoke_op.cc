// The Invoke operation: RequestResponse, Event and DryRun; payload, client-context and size
// checks as AWS makes them (invoke_request.cc); Tail logs; function errors as 200 +
// X-Amz-Function-Error.
#include <boost/asio/this_coro.hpp>

#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/event_queue.h"
#include "services/lambda/invoke/invoke_request.h"

namespace nimbus::lambda {

Status DataPlaneImpl::EnqueueEvent(const ResolvedInvoke& target, const std::string& payload) {
  return events_->Enqueue(target, payload);
}

boost::asio::awaitable<OpResult> DataPlaneImpl::Invoke(const CallContext& call, Value input) {
  auto request = ParseInvokeRequest(*deps_.registry, call, input, /*streaming=*/false);
  if (!request.ok()) co_return request.take_error();

  Value out;
  out["ExecutedVersion"] = request->target.executed_version;
  if (request->type == "DryRun") {
    out["StatusCode"] = 204;
    co_return out;
  }
  if (request->type == "Event") {
    Status queued = events_->Enqueue(request->target, request->payload);
    if (!queued.ok()) co_return AwsError("ServiceException", queued.message(), 500, false);
    out["StatusCode"] = 202;
    co_return out;
  }

  auto inv =
      MakeInvocation(call, *request, *deps_.clock, co_await boost::asio::this_coro::executor);
  auto ran = co_await Run(inv);
  if (!ran.ok()) co_return ran.take_error();

  out["StatusCode"] = 200;
  if (inv->function_error) out["FunctionError"] = "Unhandled";
  if (inv->tail) out["LogResult"] = TailLogResult(*inv);
  out["Payload"] = BlobValue(inv->result);
  co_return out;
}

}  // namespace nimbus::lambda
