// Lambda's AWS errors, worded as AWS words them, and a collector for model-constraint
// violations ("1 validation error detected: Value '0' at 'timeout' failed to satisfy
// constraint: Member must have value greater than or equal to 1").
#pragma once

#include <string>
#include <vector>

#include "core/aws_error.h"
#include "protocol/call.h"

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

// Collects constraint violations; Error() is empty (ok) when there are none.
class Violations {
 public:
  // Value '<value>' at '<field>' failed to satisfy constraint: <constraint>.
  void Add(const std::string& value, const std::string& field, const std::string& constraint) {
    items_.push_back("Value '" + value + "' at '" + field +
                     "' failed to satisfy constraint: " + constraint);
  }
  void Min(long long value, long long min, const std::string& field) {
    if (value < min) {
      Add(std::to_string(value), field,
          "Member must have value greater than or equal to " + std::to_string(min));
    }
  }
  void Max(long long value, long long max, const std::string& field) {
    if (value > max) {
      Add(std::to_string(value), field,
          "Member must have value less than or equal to " + std::to_string(max));
    }
  }
  void Range(long long value, long long min, long long max, const std::string& field) {
    Min(value, min, field);
    Max(value, max, field);
  }
  void MaxLength(const std::string& value, size_t max, const std::string& field) {
    if (value.size() > max) {
      Add(value, field, "Member must have length less than or equal to " + std::to_string(max));
    }
  }
  bool empty() const { return items_.empty(); }
  // ValidationException "N validation error(s) detected: a; b".
  AwsError Error() const {
    std::string msg =
        std::to_string(items_.size()) +
        (items_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < items_.size(); ++i) msg += (i ? "; " : "") + items_[i];
    return ValidationError(msg);
  }

 private:
  std::vector<std::string> items_;
};

}  // namespace nimbus::lambda
