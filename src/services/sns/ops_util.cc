#include "services/kit/arn.h"
#include "services/sns/ops.h"

namespace nimbus::sns::ops {

AwsError InvalidParameter(const std::string& what) {
  return AwsError("InvalidParameter", "Invalid parameter: " + what, 400);
}

AwsError NotFound(const std::string& message) { return AwsError("NotFound", message, 404); }

AwsError Internal(const Status& st) {
  return AwsError("InternalError", st.ToString(), 500, /*sender=*/false);
}

AwsError NotImplemented(const std::string& what) {
  return AwsError("NotImplemented", what + " is not implemented by nimbus", 501, false);
}

Result<TopicRow, AwsError> LoadTopic(SnsState& s, const std::string& arn, const char* param) {
  auto parsed = ParseArn(arn);
  if (!parsed || parsed->service != "sns" || parsed->resource.find(':') != std::string::npos) {
    return InvalidParameter(param);
  }
  auto topic = s.store.GetTopic(arn);
  if (!topic.ok()) return Internal(topic.error());
  if (!*topic) return NotFound("Topic does not exist");
  return std::move(**topic);
}

std::string BaseUrl(const CallContext& call) {
  if (!call.endpoint.empty()) return call.endpoint;
  return "http://localhost:4566";
}

}  // namespace nimbus::sns::ops
