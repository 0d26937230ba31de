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

// The text of a scalar `v` of member `m` outside a JSON body (query XML, headers): booleans,
// numbers, base64 blobs, timestamps in the member's format else `default_format`.
std::string ScalarText(const MemberRef& m, const Value& v, TimestampFormat default_format);

// Appends `,"message":<message>` and every member of `error.fields` except `skip_key` and
// "message" to a JSON error body being written into `out` (AWS always spells it "message").
void AppendErrorMessageAndFields(const AwsError& error, std::string_view skip_key,
                                 std::string& out);

}  // namespace nimbus::codec_common
