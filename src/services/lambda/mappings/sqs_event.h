// The event Lambda passes a function for a batch of SQS messages, and what the function's
// response says failed (ReportBatchItemFailures). Pure functions; thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/call.h"
#include "services/sqs/api/queue_reader.h"

namespace nimbus::lambda {

// {"Records":[{"messageId","receiptHandle","body","attributes":{ApproximateReceiveCount,
// SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, FIFO ids, AWSTraceHeader},
// "messageAttributes":{name:{stringValue|binaryValue (base64), stringListValues,
// binaryListValues, dataType}},"md5OfMessageAttributes"?,"md5OfBody","eventSource":"aws:sqs",
// "eventSourceARN","awsRegion"}]}, as AWS shapes it.
std::string SqsEvent(const std::vector<sqs::PolledMessage>& batch, const std::string& queue_arn,
                     const std::string& region);
// One message's record of that event (JSON text), and the event of records made so.
std::string SqsRecord(const sqs::PolledMessage& m, const std::string& queue_arn,
                      const std::string& region);
std::string SqsEvent(const std::vector<std::string>& records);
// The bytes SqsEvent adds around its records besides one comma each: {"Records":[...]}.
inline constexpr size_t kEventFraming = 14;

// A record as event filtering sees it: the record's JSON with `body` parsed when it is JSON
// (Lambda filters SQS messages on their body this way).
Value FilterView(const std::string& record);

// Which messages of `batch` a successful invocation's `response` reports failed, as Lambda
// reads {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]}: none for an empty or null
// list, an empty or null response, or a response that is not an object; every one (the whole
// batch failed) for invalid JSON or an item whose identifier is missing, empty or not a
// message of the batch.
std::set<std::string> FailedItems(std::string_view response,
                                  const std::vector<sqs::PolledMessage>& batch);

}  // namespace nimbus::lambda
