// Async-invocation destinations (FunctionEventInvokeConfig DestinationConfig OnSuccess /
// OnFailure): the invocation record Lambda sends, and its delivery. A Lambda function target
// gets the record as an Event invocation (queued durably like any other); SQS, SNS and
// EventBridge targets are not served by nimbus yet: the record is dropped and the first drop per
// service is reported on stderr. Thread-safe. Internal to the data plane.
#pragma once

#include <cstdint>
#include <string>

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

// Sends `record` to `destination` (an ARN) on behalf of a function of account/region. A Lambda
// function that does not exist (or a malformed ARN) drops the record with a stderr line.
void DeliverToDestination(FunctionRegistry& registry, EventQueue& queue,
                          const std::string& account_id, const std::string& region,
                          const std::string& destination, const std::string& record);

}  // namespace nimbus::lambda
