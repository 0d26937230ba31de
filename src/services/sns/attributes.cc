#include "services/sns/attributes.h"

#include <set>

#include "services/kit/arn.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/filter_policy.h"

namespace nimbus::sns {
namespace {

bool IsBoolText(const std::string& v) { return v == "true" || v == "false"; }

bool IsFeedbackAttribute(const std::string& name) {
  static const std::set<std::string> kPrefixes = {"Application", "Firehose", "HTTP", "Lambda",
                                                  "SQS"};
  for (const std::string& p : kPrefixes) {
    if (name.rfind(p, 0) != 0) continue;
    std::string rest = name.substr(p.size());
    if (rest == "SuccessFeedbackRoleArn" || rest == "FailureFeedbackRoleArn" ||
        rest == "SuccessFeedbackSampleRate") {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> CheckTopicAttribute(const TopicRow& topic, const std::string& name,
                                               const std::string& value, bool creating,
                                               bool& unimplemented) {
  unimplemented = false;
  if (name == "ArchivePolicy" || name == "DataProtectionPolicy") {
    unimplemented = true;
    return "SNS topic attribute " + name;
  }
  if (name == "DisplayName") {
    if (value.size() > 100) return std::string("DisplayName");
    return std::nullopt;
  }
  if (name == "Policy") {
    Value v = Value::parse(value, nullptr, false);
    if (!v.is_object()) return std::string("Policy Error: null");
    return std::nullopt;
  }
  if (name == "DeliveryPolicy") {
    if (value.empty()) return std::nullopt;
    auto p = ParseDeliveryPolicy(value, /*topic_level=*/true);
    if (!p.ok()) return p.error();
    return std::nullopt;
  }
  if (name == "SignatureVersion") {
    if (value != "1" && value != "2") {
      return "SignatureVersion: Invalid value [" + value + "]. Valid values are 1 or 2";
    }
    return std::nullopt;
  }
  if (name == "TracingConfig") {
    if (value != "PassThrough" && value != "Active") {
      return "TracingConfig: Invalid value [" + value + "]. Valid values are PassThrough or Active";
    }
    return std::nullopt;
  }
  if (name == "KmsMasterKeyId") return std::nullopt;
  if (name == "FifoTopic") {
    if (!creating) return std::string("AttributeName");
    if (!IsBoolText(value)) return std::string("FifoTopic: Invalid value [" + value + "]");
    return std::nullopt;
  }
  if (name == "ContentBasedDeduplication") {
    if (!IsBoolText(value)) return "ContentBasedDeduplication: Invalid value [" + value + "]";
    if (!topic.fifo()) {
      return std::string(
          "ContentBasedDeduplication Reason: Content based deduplication can only be set for "
          "FIFO topics");
    }
    return std::nullopt;
  }
  if (name == "FifoThroughputScope") {
    if (!topic.fifo()) {
      return std::string(
          "FifoThroughputScope Reason: FifoThroughputScope can only be set for "
          "FIFO topics");
    }
    if (value != "Topic" && value != "MessageGroup") {
      return "FifoThroughputScope: Invalid value [" + value +
             "]. Please use either Topic or MessageGroup";
    }
    return std::nullopt;
  }
  if (IsFeedbackAttribute(name)) return std::nullopt;
  return std::string("AttributeName");
}

std::optional<std::string> CheckSubscriptionAttribute(const SubscriptionRow& sub,
                                                      const std::string& name,
                                                      const std::string& value) {
  const std::string& protocol = sub.protocol;
  if (name == "RawMessageDelivery") {
    if (!IsBoolText(value)) return "RawMessageDelivery: Invalid value [" + value + "]";
    if (protocol != "sqs" && protocol != "http" && protocol != "https" && protocol != "firehose") {
      return "Attributes Reason: Delivery protocol [" + protocol +
             "] does not support raw message delivery.";
    }
    return std::nullopt;
  }
  if (name == "FilterPolicyScope") {
    if (value != "MessageAttributes" && value != "MessageBody") {
      return "FilterPolicyScope: Invalid value [" + value +
             "]. Please use either MessageBody or MessageAttributes";
    }
    std::string policy = sub.Attr("FilterPolicy");
    if (!policy.empty()) {
      auto p =
          FilterPolicy::Parse(policy, value == "MessageBody" ? FilterScope::kMessageBody
                                                             : FilterScope::kMessageAttributes);
      if (!p.ok()) return p.error();
    }
    return std::nullopt;
  }
  if (name == "FilterPolicy") {
    if (value.empty()) return std::nullopt;  // removes the policy
    auto p = FilterPolicy::Parse(value, sub.Attr("FilterPolicyScope") == "MessageBody"
                                            ? FilterScope::kMessageBody
                                            : FilterScope::kMessageAttributes);
    if (!p.ok()) return p.error();
    return std::nullopt;
  }
  if (name == "DeliveryPolicy") {
    if (value.empty()) return std::nullopt;
    if (protocol != "http" && protocol != "https") {
      return "DeliveryPolicy: Delivery protocol [" + protocol +
             "] does not support delivery policies";
    }
    auto p = ParseDeliveryPolicy(value, /*topic_level=*/false);
    if (!p.ok()) return p.error();
    return std::nullopt;
  }
  if (name == "RedrivePolicy") {
    if (value.empty()) return std::nullopt;
    Value v = Value::parse(value, nullptr, false);
    if (!v.is_object()) return std::string("RedrivePolicy: failed to parse JSON.");
    auto it = v.find("deadLetterTargetArn");
    if (it == v.end() || !it->is_string()) {
      return std::string("RedrivePolicy: deadLetterTargetArn is required");
    }
    auto arn = ParseArn(it->get<std::string>());
    if (!arn || arn->service != "sqs") {
      return std::string("RedrivePolicy: deadLetterTargetArn is an invalid arn");
    }
    return std::nullopt;
  }
  if (name == "SubscriptionRoleArn") return std::nullopt;
  return std::string("AttributeName");
}

}  // namespace nimbus::sns
