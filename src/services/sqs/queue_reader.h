// The QueueReader (api/queue_reader.h) the SQS service publishes, over its Engine.
#pragma once

#include <memory>

#include "services/sqs/api/queue_reader.h"
#include "services/sqs/engine.h"

namespace nimbus::sqs {

// Reads through `engine`, which it keeps alive. Thread-safe; never blocks on I/O.
std::shared_ptr<QueueReader> MakeQueueReader(std::shared_ptr<Engine> engine);

}  // namespace nimbus::sqs
