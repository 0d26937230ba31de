// Internal helpers shared by the codec implementations.
#pragma once

#include <string>
#include <string_view>

#include "core/aws_error.h"
#include "core/http.h"
#include "protocol/call.h"
#include "protocol/model.h"

namespace nimbus::codec_common {

// Sets x-amzn-RequestId (when known) plus the error's extra headers.
void SetRequestId(const CallContext& call, HttpResponse& response);

// Copies `error.headers` to the response.
void AddErrorHeaders(const AwsError& error, HttpResponse& response);

}  // namespace nimbus::codec_common
