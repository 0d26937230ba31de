#include "services/sns/topic_publisher.h"

#include "core/ids.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/sns/ops.h"

namespace nimbus::sns {
namespace {

class StatePublisher : public TopicPublisher {
 public:
  StatePublisher(std::shared_ptr<SnsState> state, std::string endpoint)
      : state_(std::move(state)), endpoint_(std::move(endpoint)) {}

  Result<std::string> Publish(const std::string& topic_arn, const TopicMessage& m) override {
    auto arn = ParseArn(topic_arn);
    if (!arn || arn->service != "sns") {
      return Status::InvalidArgument("not an SNS topic ARN: " + topic_arn);
    }
    CallContext call;
    call.request_id = NewUuid();
    call.account_id = arn->scope.account;
    call.region = arn->scope.region;
    call.service = "sns";
    call.operation = "Publish";
    call.endpoint = endpoint_;
    Value in = {{"TopicArn", topic_arn}, {"Message", m.message}};
    if (!m.subject.empty()) in["Subject"] = m.subject;
    if (!m.message_group_id.empty()) in["MessageGroupId"] = m.message_group_id;
    if (!m.deduplication_id.empty()) in["MessageDeduplicationId"] = m.deduplication_id;
    if (!m.attributes.empty()) {
      Value attrs = Value::object();
      for (const auto& [name, a] : m.attributes) {
        attrs[name] = {{"DataType", a.data_type}, {"StringValue", a.string_value}};
      }
      in["MessageAttributes"] = std::move(attrs);
    }
    OpResult out = ops::Publish(*state_, call, in);
    if (!out.ok()) {
      const AwsError& e = out.error();
      if (e.http_status == 404) return Status::NotFound(e.message);
      if (e.http_status >= 500) return Status::Internal(e.code + ": " + e.message);
      return Status::InvalidArgument(e.code + ": " + e.message);
    }
    return Str(*out, "MessageId");
  }

 private:
  std::shared_ptr<SnsState> state_;
  std::string endpoint_;
};

}  // namespace

std::shared_ptr<TopicPublisher> MakeTopicPublisher(std::shared_ptr<SnsState> state,
                                                   std::string endpoint) {
  return std::make_shared<StatePublisher>(std::move(state), std::move(endpoint));
}

}  // namespace nimbus::sns
