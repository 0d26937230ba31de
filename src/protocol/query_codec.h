// The AWS "query" protocol (STS, SNS): `Action`/`Version` plus flattened parameters in a
// urlencoded form (POST body or GET query string); XML responses and <ErrorResponse> errors.
#pragma once

#include "protocol/codec.h"

namespace nimbus {

class QueryCodec : public ProtocolCodec {
 public:
  // Missing Action: MissingAction; unknown Action or wrong Version: InvalidAction ("Could not
  // find operation X for version Y"); bad values: MalformedInput; missing required members:
  // ValidationError (or SNS's InvalidParameter).
  Result<DecodedCall, AwsError> Decode(const ServiceModel& model,
                                       const HttpRequest& request) const override;
  // 200 text/xml: <OpResponse xmlns><OpResult>members</OpResult><ResponseMetadata>...
  void EncodeResult(const ServiceModel& model, const OperationModel& operation, const Value& output,
                    const CallContext& call, HttpResponse& response) const override;
  // <ErrorResponse xmlns><Error><Type>Sender|Receiver</Type><Code/><Message/></Error>
  // <RequestId/></ErrorResponse> with error.http_status.
  void EncodeError(const ServiceModel& model, const AwsError& error, const CallContext& call,
                   HttpResponse& response) const override;
};

}  // namespace nimbus
