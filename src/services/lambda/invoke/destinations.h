// Async-invocation destinations (FunctionEventInvokeConfig DestinationConfig OnSuccess /
// OnFailure) and dead-letter queues (a function's DeadLetterConfig): the invocation record
// Lambda sends, and its delivery. A Lambda function target gets the record as an Event
// invocation (queued durably like any other), an SQS queue as a message, an SNS topic as a
// published message; EventBridge targets are not served by nimbus yet: the record is dropped and
// the first drop is reported on stderr, as is any failed delivery. Thread-safe. Internal to the
// data plane.
#pragma once

#include <cstdint>
#include <string>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "services/lambda/data_plane.h"
#include "services/lambda/function_registry.h"

namespace nimbus::lambda {

class EventQueue;

// What the record says about one async invocation's end.
struct InvocationRecordInput {
  std::string request_id;
  std::string function_arn;  // qualified: arn:aws:lambda:...:function:name:$LATEST
  std::string condition;     // "Success", "RetriesExhausted", "EventAgeExceeded"
  int approximate_invoke_count = 0;
  std::string request_payload;  // the event (JSON text)
  bool has_response = false;    // false: no responseContext/responsePayload (never ran)
  std::string executed_version;
  bool function_error = false;
  std::string response_payload;  // the function's result or error JSON (text)
  int64_t timestamp_ms = 0;
};

// The invocation record JSON: {"version":"1.0","timestamp":"…Z","requestContext":{requestId,
// functionArn, condition, approximateInvokeCount},"requestPayload":…,"responseContext":
// {statusCode, executedVersion, functionError?},"responsePayload":…}. Payloads that are JSON
// are embedded as JSON, others as strings.
std::string InvocationRecord(const InvocationRecordInput& in);

// Sends `record` to `destination` (an ARN; nothing when empty) on behalf of a function of
// account/region. A target that does not exist (or a malformed ARN) drops the record with a
// stderr line. Done once the record is durable: an SQS send is awaited (the loop serves other
// work meanwhile), an SNS publish is written before it returns.
boost::asio::awaitable<void> DeliverToDestination(FunctionRegistry& registry, EventQueue& queue,
                                                  DestinationLinks links, std::string account_id,
                                                  std::string region, std::string destination,
                                                  std::string record);

// What a dead-letter message says of the failed event (its message attributes).
struct DeadLetterInput {
  std::string request_id;     // RequestID (String)
  std::string error_code;     // ErrorCode (Number): the invoke's HTTP status, "200"
  std::string error_message;  // ErrorMessage (String): the first 1 KiB of the error
};

// Sends the failed event `payload` to the DeadLetterConfig target `target_arn` (an SQS queue or
// SNS topic; nothing when empty) with RequestID, ErrorCode and ErrorMessage attributes, as
// Lambda does. Failures are said on stderr.
boost::asio::awaitable<void> DeliverToDeadLetter(DestinationLinks links, std::string target_arn,
                                                 std::string payload, DeadLetterInput in);

// The errorMessage of a function's error JSON `result` (the whole text when it has none).
std::string ErrorMessageOf(const std::string& result);

}  // namespace nimbus::lambda
