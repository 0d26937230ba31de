// The QueueSender (api/queue_sender.h) the SQS service publishes, over its Engine.
#pragma once

#include <memory>

#include "services/sqs/api/queue_sender.h"
#include "services/sqs/engine.h"

namespace nimbus::sqs {

// Sends through `engine`, which it keeps alive. Thread-safe; Send blocks until durable.
std::shared_ptr<QueueSender> MakeQueueSender(std::shared_ptr<Engine> engine);

// The Status a link (QueueSender, QueueReader) reports for an engine error: NotFound for a
// missing queue, Unavailable when stopping, InvalidArgument ("<code>: <message>") otherwise.
Status LinkStatus(const AwsError& e);

}  // namespace nimbus::sqs
