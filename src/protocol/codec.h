// One codec per AWS wire protocol (json 1.0/1.1, rest-json, query). A codec turns an HTTP
// request into (operation, input Value) using the service model, and serializes an output Value
// or an AwsError in the protocol's exact shape. Codecs are stateless and thread-safe.
#pragma once

#include "core/aws_error.h"
#include "core/http.h"
#include "core/status.h"
#include "protocol/call.h"
#include "protocol/model.h"

namespace nimbus {

struct DecodedCall {
  const OperationModel* operation = nullptr;  // owned by the ServiceModel (lives forever)
  Value input;                                // shaped per the operation's input shape
};

class ProtocolCodec {
 public:
  virtual ~ProtocolCodec() = default;
  // Finds the operation the request names and decodes its input. Failures are the protocol's
  // own AWS errors (UnknownOperationException, InvalidAction, SerializationException, ...).
  virtual Result<DecodedCall, AwsError> Decode(const ServiceModel& model,
                                               const HttpRequest& request) const = 0;
  // Writes status, headers (Content-Type, x-amzn-RequestId, member headers) and body for a
  // successful `output` of `operation`.
  virtual void EncodeResult(const ServiceModel& model, const OperationModel& operation,
                            const Value& output, const CallContext& call,
                            HttpResponse& response) const = 0;
  // Writes `error` in the protocol's error shape (status, x-amzn-ErrorType / <ErrorResponse>).
  virtual void EncodeError(const ServiceModel& model, const AwsError& error,
                           const CallContext& call, HttpResponse& response) const = 0;
};

// The codec for `model.metadata().protocol`. Never null for the protocols nimbus embeds.
const ProtocolCodec& CodecFor(const ServiceModel& model);
// The codec for `request`: CodecFor(model), except that an awsQueryCompatible json service
// (SQS) also takes the query protocol it had before (older SDKs and CLIs): a request without
// X-Amz-Target whose body or query string names an Action is decoded, and answered, as query.
const ProtocolCodec& CodecFor(const ServiceModel& model, const HttpRequest& request);

}  // namespace nimbus
