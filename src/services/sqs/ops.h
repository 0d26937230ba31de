// SQS's operations, one function each over the Engine (engine.h), as the provider's table lists
// them (sqs_provider.cc). Sends and receives are coroutines: a send answers once its messages
// are durable, a receive may long-poll.
#pragma once

#include <string>

#include "protocol/provider.h"  // (and boost awaitable.hpp, after <utility>)
#include "services/kit/scope.h"
#include "services/sqs/engine.h"

namespace nimbus::sqs::ops {

// The queue a QueueUrl names: "<scheme>://<host>/<account>/<name>" (any host, as SDKs build
// them from the endpoint); the region is the caller's.
struct QueueRef {
  Scope scope;
  std::string name;
};
Result<QueueRef, AwsError> ParseQueueUrl(const CallContext& call, const Value& in);
// "http://<host the client addressed>/<account>/<name>".
std::string QueueUrl(const CallContext& call, const Scope& scope, const std::string& name);

OpResult CreateQueue(Engine& e, const CallContext& call, const Value& in);
OpResult DeleteQueue(Engine& e, const CallContext& call, const Value& in);
OpResult GetQueueUrl(Engine& e, const CallContext& call, const Value& in);
OpResult ListQueues(Engine& e, const CallContext& call, const Value& in);
OpResult GetQueueAttributes(Engine& e, const CallContext& call, const Value& in);
OpResult SetQueueAttributes(Engine& e, const CallContext& call, const Value& in);
OpResult TagQueue(Engine& e, const CallContext& call, const Value& in);
OpResult UntagQueue(Engine& e, const CallContext& call, const Value& in);
OpResult ListQueueTags(Engine& e, const CallContext& call, const Value& in);
OpResult PurgeQueue(Engine& e, const CallContext& call, const Value& in);
OpResult AddPermission(Engine& e, const CallContext& call, const Value& in);
OpResult RemovePermission(Engine& e, const CallContext& call, const Value& in);
OpResult ListDeadLetterSourceQueues(Engine& e, const CallContext& call, const Value& in);
OpResult StartMessageMoveTask(Engine& e, const CallContext& call, const Value& in);
OpResult ListMessageMoveTasks(Engine& e, const CallContext& call, const Value& in);
OpResult CancelMessageMoveTask(Engine& e, const CallContext& call, const Value& in);

boost::asio::awaitable<OpResult> SendMessage(Engine& e, const CallContext& call, Value in);
boost::asio::awaitable<OpResult> SendMessageBatch(Engine& e, const CallContext& call, Value in);
boost::asio::awaitable<OpResult> ReceiveMessage(Engine& e, const CallContext& call, Value in);
OpResult DeleteMessage(Engine& e, const CallContext& call, const Value& in);
OpResult DeleteMessageBatch(Engine& e, const CallContext& call, const Value& in);
OpResult ChangeMessageVisibility(Engine& e, const CallContext& call, const Value& in);
OpResult ChangeMessageVisibilityBatch(Engine& e, const CallContext& call, const Value& in);

}  // namespace nimbus::sqs::ops
