// The AWS "json" protocol (1.0 / 1.1): operation from `X-Amz-Target: <targetPrefix>.<Op>`,
// input and output as JSON bodies, errors as {"__type", "message"} plus x-amzn-ErrorType.
#pragma once

#include "protocol/codec.h"

namespace nimbus {

class JsonCodec : public ProtocolCodec {
 public:
  // Unknown/missing target: UnknownOperationException; bad JSON or wrong value types:
  // SerializationException; missing required members: ValidationException-style errors.
  Result<DecodedCall, AwsError> Decode(const ServiceModel& model,
                                       const HttpRequest& request) const override;
  // 200, Content-Type application/x-amz-json-<ver>, body = output members in model order.
  void EncodeResult(const ServiceModel& model, const OperationModel& operation, const Value& output,
                    const CallContext& call, HttpResponse& response) const override;
  // error.http_status, x-amzn-ErrorType, body {"__type": code, "message": ..., fields...};
  // awsQueryCompatible services also get x-amzn-query-error: <code>;<Sender|Receiver>.
  void EncodeError(const ServiceModel& model, const AwsError& error, const CallContext& call,
                   HttpResponse& response) const override;
};

}  // namespace nimbus
