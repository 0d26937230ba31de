// SQS's AWS errors, written once: the query codes SQS answers (the json protocol sends them in
// x-amzn-query-error and names the modeled shape in __type; the codec maps one to the other)
// and AWS's messages. Pure.
#pragma once

#include <string>

#include "core/aws_error.h"

namespace nimbus::sqs {

inline AwsError QueueDoesNotExist() {
  return AwsError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.");
}
inline AwsError InvalidParameterValue(std::string message) {
  return AwsError("InvalidParameterValue", std::move(message));
}
inline AwsError MissingParameter(std::string message) {
  return AwsError("MissingParameter", std::move(message));
}
inline AwsError InvalidAttributeName(const std::string& name) {
  return AwsError("InvalidAttributeName", "Unknown Attribute " + name + ".");
}
inline AwsError InvalidAttributeValue(const std::string& name, const std::string& reason = "") {
  return AwsError("InvalidAttributeValue", "Invalid value for the parameter " + name + "." +
                                               (reason.empty() ? "" : " Reason: " + reason));
}
// "Value <v> for parameter <p> is invalid. Reason: <reason>".
inline AwsError InvalidParameter(const std::string& param, const std::string& value,
                                 const std::string& reason) {
  return InvalidParameterValue("Value " + value + " for parameter " + param +
                               " is invalid. Reason: " + reason);
}
inline AwsError ReceiptHandleIsInvalid(const std::string& handle) {
  return AwsError("ReceiptHandleIsInvalid",
                  "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}
// A move task's SourceArn or DestinationArn names no queue.
inline AwsError ResourceNotFound(const std::string& param) {
  return AwsError("ResourceNotFoundException",
                  "The resource that you specified for the " + param + " parameter doesn't exist.",
                  404);
}
inline AwsError InternalFailure(const std::string& message) {
  return AwsError("InternalFailure", message, 500, false);
}

}  // namespace nimbus::sqs
