// What SNS offers other services: publishing a message to a topic named by its ARN, as Publish
// does (Lambda's OnSuccess/OnFailure destinations and dead-letter topics). Published in
// ServiceLinks::sns_publisher (a LateLink: SNS is built after Lambda) by the SNS service.
#pragma once

#include <map>
#include <string>

#include "core/status.h"

namespace nimbus::sns {

// One message attribute as Publish takes it: `data_type` "String" or "Number" (optionally
// ".<custom>") with its value as text.
struct PublishAttribute {
  std::string data_type;
  std::string string_value;
};

// A message to publish, as Publish's input.
struct TopicMessage {
  std::string message;  // required, non-empty; at most 256 KiB with the attributes
  std::string subject;  // optional
  std::map<std::string, PublishAttribute> attributes;  // at most 10
  // FIFO topics: the group is required; the deduplication id unless the topic has
  // ContentBasedDeduplication. Standard topics: both empty.
  std::string message_group_id, deduplication_id;
};

// Thread-safe. Publish writes the message and its deliveries durably before it returns (one
// SQLite transaction).
class TopicPublisher {
 public:
  virtual ~TopicPublisher() = default;
  // Publishes `message` to `topic_arn` ("arn:aws:sns:<region>:<account>:<name>"); the ARN's
  // account and region select the topic. Returns the MessageId. NotFound when no such topic
  // exists, InvalidArgument (with AWS's message) when the message breaks Publish's rules,
  // another code when the write fails.
  virtual Result<std::string> Publish(const std::string& topic_arn,
                                      const TopicMessage& message) = 0;
};

}  // namespace nimbus::sns
