// The QueueSender (api/queue_sender.h) the SQS service publishes, over its Engine.
#pragma once

#include <memory>

#include "services/sqs/api/queue_sender.h"
#include "services/sqs/engine.h"

namespace nimbus::sqs {

// Sends through `engine`, which it keeps alive. Thread-safe; Send blocks until durable.
std::shared_ptr<QueueSender> MakeQueueSender(std::shared_ptr<Engine> engine);

}  // namespace nimbus::sqs
