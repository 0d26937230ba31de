// The event Lambda passes a function for a batch of SQS messages, and what the function's
// response says failed (ReportBatchItemFailures). Pure functions; thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "services/sqs/api/queue_reader.h"

namespace nimbus::lambda {

// {"Records":[{"messageId","receiptHandle","body","attributes":{ApproximateReceiveCount,
// SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, FIFO ids, AWSTraceHeader},
// "messageAttributes":{name:{stringValue|binaryValue (base64), stringListValues,
// binaryListValues, dataType}},"md5OfMessageAttributes"?,"md5OfBody","eventSource":"aws:sqs",
// "eventSourceARN","awsRegion"}]}, as AWS shapes it.
std::string SqsEvent(const std::vector<sqs::PolledMessage>& batch, const std::string& queue_arn,
                     const std::string& region);

// Which messages of `batch` a successful invocation's `response` reports failed, as Lambda
// reads {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]}: none for an empty or null
// list, an empty or null response, or a response that is not an object; every one (the whole
// batch failed) for invalid JSON or an item whose identifier is missing, empty or not a
// message of the batch.
std::set<std::string> FailedItems(std::string_view response,
                                  const std::vector<sqs::PolledMessage>& batch);

}  // namespace nimbus::lambda
