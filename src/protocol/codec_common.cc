#include "protocol/codec_common.h"

namespace nimbus::codec_common {

void SetRequestId(const CallContext& call, HttpResponse& response) {
  if (!call.request_id.empty()) response.headers.Set("x-amzn-RequestId", call.request_id);
}

std::string_view MessageKey(const ServiceModel& model, std::string_view code) {
  const Shape* shape = model.FindShape(code);
  if (shape == nullptr) shape = model.FindShape(std::string(code) + "Exception");
  if (shape != nullptr && shape->FindMember("Message") != nullptr &&
      shape->FindMember("message") == nullptr) {
    return "Message";
  }
  return "message";
}

void AddErrorHeaders(const AwsError& error, HttpResponse& response) {
  for (const auto& [name, value] : error.headers) response.headers.Set(name, value);
}

}  // namespace nimbus::codec_common
