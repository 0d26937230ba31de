#include "protocol/codec_common.h"

namespace nimbus::codec_common {

void SetRequestId(const CallContext& call, HttpResponse& response) {
  if (!call.request_id.empty()) response.headers.Set("x-amzn-RequestId", call.request_id);
}

void AddErrorHeaders(const AwsError& error, HttpResponse& response) {
  for (const auto& [name, value] : error.headers) response.headers.Set(name, value);
}

}  // namespace nimbus::codec_common
