// Synchronous invocations made inside Lambda (an event source mapping's batches).
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/this_coro.hpp>

#include "core/ids.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/invoke_request.h"

namespace nimbus::lambda {

boost::asio::awaitable<Result<SyncInvokeOutcome, AwsError>> DataPlaneImpl::InvokeSync(
    const ResolvedInvoke& target, std::string payload) {
  auto inv = MakeInvocation(target, NewUuid(), std::move(payload), NewTraceId(*deps_.clock),
                            co_await boost::asio::this_coro::executor);
  auto ran = co_await Run(inv);
  if (!ran.ok()) co_return ran.take_error();
  SyncInvokeOutcome out;
  out.request_id = inv->request_id;
  out.function_error = inv->function_error;
  out.result = std::move(inv->result);
  co_return out;
}

}  // namespace nimbus::lambda
