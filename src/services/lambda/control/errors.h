// Lambda's AWS errors, worded as AWS words them (model-constraint violations: kit/violations.h).
#pragma once

#include <string>
#include <vector>

#include "core/aws_error.h"
#include "protocol/call.h"
#include "services/kit/violations.h"

namespace nimbus::lambda {

// 404 ResourceNotFoundException.
inline AwsError NotFound(std::string message) {
  return AwsError("ResourceNotFoundException", std::move(message), 404);
}
// "Function not found: <arn>".
inline AwsError FunctionNotFound(const std::string& arn) {
  return NotFound("Function not found: " + arn);
}
// 409 ResourceConflictException.
inline AwsError Conflict(std::string message) {
  return AwsError("ResourceConflictException", std::move(message), 409);
}
// 409 ResourceConflictException for an operation refused in State `state` (Pending, Failed).
inline AwsError NotInState(const std::string& state) {
  return Conflict(
      "The operation cannot be performed at this time. The function is currently in the "
      "following state: " +
      state);
}
// 400 InvalidParameterValueException.
inline AwsError InvalidParam(std::string message) {
  return AwsError("InvalidParameterValueException", std::move(message), 400);
}
// 400 InvalidParameterValueException for a Marker that no list of this kind handed out (list
// markers are kit page tokens: KeyPager).
inline AwsError InvalidMarker() {
  return AwsError("InvalidParameterValueException", "The marker is not valid.", 400);
}
// 400 ValidationException.
inline AwsError ValidationError(std::string message) {
  return AwsError("ValidationException", std::move(message), 400);
}
// 412 PreconditionFailedException for a stale RevisionId.
inline AwsError RevisionMismatch(const std::string& api) {
  return AwsError("PreconditionFailedException",
                  "The Revision Id provided does not match the latest Revision Id. Call the " +
                      api + " API to retrieve the latest Revision Id",
                  412);
}
// 413 RequestEntityTooLargeException for an oversized upload to `operation`.
inline AwsError RequestTooLarge(const std::string& operation) {
  return AwsError("RequestEntityTooLargeException",
                  "Request must be smaller than 69905067 bytes for the " + operation + " operation",
                  413);
}
// 403 AccessDeniedException: the caller (its account's root) may not perform `action` on
// `resource`, another account's, because no resource-based policy allows it.
inline AwsError NotAuthorized(const CallContext& call, const std::string& action,
                              const std::string& resource) {
  return AwsError("AccessDeniedException",
                  "User: arn:aws:iam::" + call.account_id + ":root is not authorized to perform: " +
                      action + " on resource: " + resource +
                      " because no resource-based policy allows the " + action + " action",
                  403);
}
// 500 ServiceException (nimbus's own failure, e.g. the disk).
inline AwsError ServiceError(std::string message) {
  return AwsError("ServiceException", std::move(message), 500, false);
}

// Constraint violations in Lambda's words (Error(): ValidationException): kit's collector.
using Violations = nimbus::Violations;

}  // namespace nimbus::lambda
