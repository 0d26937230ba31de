// Amazon SQS (model "sqs": json 1.0 with awsQueryCompatible; older clients' query protocol is
// answered in XML by the same operations): standard and FIFO queues, long polling, dead-letter
// queues and move tasks, durable in SQLite. Other services send through the QueueSender it
// publishes (api/queue_sender.h, ServiceLinks::sqs_sender).
#pragma once

#include "services/kit/service.h"

namespace nimbus::sqs {

// The SQS service: no flags; opens the engine (applying its schema) and publishes the sender.
ServiceFactory SqsService();

}  // namespace nimbus::sqs
