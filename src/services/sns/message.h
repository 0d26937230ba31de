// SNS messages as subscribers see them (reference G.2, G.6): a published message kept for its
// deliveries, and the JSON bodies AWS sends (Notification, SubscriptionConfirmation,
// UnsubscribeConfirmation, Lambda's Records[].Sns) with their fields in AWS's order. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/call.h"
#include "services/sns/filter_policy.h"

namespace nimbus::sns {

// One accepted Publish (or PublishBatch entry), stored until every delivery is done.
struct PublishedMessage {
  std::string id;
  std::string topic_arn;
  std::string message;  // as published
  std::optional<std::string> subject;
  Value per_protocol;             // MessageStructure=json: {"default":..., "http":...}; else null
  MessageAttributes attributes;   // Binary values base64
  std::string timestamp;          // ISO-8601 with milliseconds
  std::string signature_version;  // "1" or "2"
  std::string base_url;           // "http://host:port" nimbus was reached at
  std::string group_id, dedup_id, sequence;  // FIFO topics

  // The text a subscriber of `protocol` receives: with MessageStructure=json the protocol's
  // entry or "default", else the message.
  const std::string& MessageFor(std::string_view protocol) const;
  std::string ToJson() const;
  static std::optional<PublishedMessage> FromJson(std::string_view json);
};

// https://host/?Action=ConfirmSubscription&TopicArn=...&Token=... and the Unsubscribe link.
std::string SubscribeUrl(const std::string& base, const std::string& topic_arn,
                         const std::string& token);
std::string UnsubscribeUrl(const std::string& base, const std::string& subscription_arn);

// The HTTP/SQS Notification body. `signature` is over StringToSign of the same fields.
std::string NotificationJson(const PublishedMessage& m, const std::string& text,
                             const std::string& signature, const std::string& cert_url,
                             const std::string& unsubscribe_url);
// NotificationJson of one message for its many subscriptions: serialized once, each delivery
// splicing in its UnsubscribeURL (the one member that differs), byte for byte what
// NotificationJson gives. Immutable after construction.
class NotificationTemplate {
 public:
  NotificationTemplate(const PublishedMessage& m, const std::string& text,
                       const std::string& signature, const std::string& cert_url);
  std::string For(const std::string& unsubscribe_url) const;

 private:
  std::string head_, tail_;  // around the UnsubscribeURL's JSON string
};
// A SubscriptionConfirmation or UnsubscribeConfirmation body.
std::string ConfirmationJson(const std::string& type, const std::string& message_id,
                             const std::string& token, const std::string& topic_arn,
                             const std::string& message, const std::string& subscribe_url,
                             const std::string& timestamp, const std::string& signature_version,
                             const std::string& signature, const std::string& cert_url);
// The Lambda event for one delivery ({"Records":[{"EventSource":"aws:sns",...,"Sns":{...}}]}).
std::string LambdaEventJson(const PublishedMessage& m, const std::string& text,
                            const std::string& subscription_arn, const std::string& signature,
                            const std::string& cert_url, const std::string& unsubscribe_url);

}  // namespace nimbus::sns
