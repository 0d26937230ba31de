// The SNS operations nimbus serves (query protocol, model "sns"), one function each over the
// SnsState (registered in sns_provider.cc). Each validates its input with AWS's codes and
// messages, writes durably before answering and returns the output or the AwsError.
#pragma once

#include <string>

#include "protocol/call.h"
#include "services/sns/sns_state.h"

namespace nimbus::sns::ops {

OpResult CreateTopic(SnsState& s, const CallContext& call, const Value& in);
OpResult DeleteTopic(SnsState& s, const CallContext& call, const Value& in);
OpResult ListTopics(SnsState& s, const CallContext& call, const Value& in);
OpResult GetTopicAttributes(SnsState& s, const CallContext& call, const Value& in);
OpResult SetTopicAttributes(SnsState& s, const CallContext& call, const Value& in);
OpResult TagResource(SnsState& s, const CallContext& call, const Value& in);
OpResult UntagResource(SnsState& s, const CallContext& call, const Value& in);
OpResult ListTagsForResource(SnsState& s, const CallContext& call, const Value& in);

OpResult Subscribe(SnsState& s, const CallContext& call, const Value& in);
OpResult ConfirmSubscription(SnsState& s, const CallContext& call, const Value& in);
OpResult Unsubscribe(SnsState& s, const CallContext& call, const Value& in);
OpResult ListSubscriptions(SnsState& s, const CallContext& call, const Value& in);
OpResult ListSubscriptionsByTopic(SnsState& s, const CallContext& call, const Value& in);
OpResult GetSubscriptionAttributes(SnsState& s, const CallContext& call, const Value& in);
OpResult SetSubscriptionAttributes(SnsState& s, const CallContext& call, const Value& in);

OpResult Publish(SnsState& s, const CallContext& call, const Value& in);
OpResult PublishBatch(SnsState& s, const CallContext& call, const Value& in);

// Shared by the operations (ops_util.cc).
AwsError InvalidParameter(const std::string& what);  // "Invalid parameter: <what>"
AwsError NotFound(const std::string& message);       // NotFound, 404
AwsError Internal(const Status& st);                 // InternalError, 500
AwsError NotImplemented(const std::string& what);    // 501 naming what nimbus does not do
// The topic `arn` names, or InvalidParameter (malformed, naming `param`) / NotFound.
Result<TopicRow, AwsError> LoadTopic(SnsState& s, const std::string& arn, const char* param);
// "http://host:port" for URLs in messages: the address the caller used.
std::string BaseUrl(const CallContext& call);

}  // namespace nimbus::sns::ops
