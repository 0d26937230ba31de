// The AWS "rest-json" protocol: operation from method + requestUri template, input members from
// uri labels, query string, headers and a JSON (or raw payload) body; errors as
// x-amzn-ErrorType + {"Type", "message"} bodies.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/codec.h"

namespace nimbus {

class RestJsonCodec : public ProtocolCodec {
 public:
  // Unknown route: 404 UnknownOperationException. Bad JSON body: SerializationException (or
  // Lambda's InvalidRequestContentException). Bad header/query/label values:
  // SerializationException.
  Result<DecodedCall, AwsError> Decode(const ServiceModel& model,
                                       const HttpRequest& request) const override;
  // Status from the statusCode member, else http.responseCode, else 200; header members as
  // headers; payload member as the raw body (blob/string) or JSON; else the body members as JSON.
  void EncodeResult(const ServiceModel& model, const OperationModel& operation, const Value& output,
                    const CallContext& call, HttpResponse& response) const override;
  // error.http_status, x-amzn-ErrorType: code, body {"Type": "User"|"Service", "message", ...}.
  void EncodeError(const ServiceModel& model, const AwsError& error, const CallContext& call,
                   HttpResponse& response) const override;

  // The operation whose method and requestUri match (most specific wins), with the decoded uri
  // labels (name, value). nullptr when none matches. `path` is percent-encoded, `query` raw.
  static const OperationModel* Match(const ServiceModel& model, std::string_view method,
                                     std::string_view path, std::string_view query,
                                     std::vector<std::pair<std::string, std::string>>* labels);
};

}  // namespace nimbus
