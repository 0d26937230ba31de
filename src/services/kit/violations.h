// A collector of model-constraint violations, worded as AWS's services word them: "1 validation
// error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value
// greater than or equal to 1" (several joined by "; "). Error() is meaningful only when
// !empty(). Not thread-safe; one per request.
#pragma once

#include <string>
#include <vector>

#include "core/aws_error.h"

namespace nimbus {

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
  void MinLength(const std::string& value, size_t min, const std::string& field) {
    if (value.size() < min) {
      Add(value, field, "Member must have length greater than or equal to " + std::to_string(min));
    }
  }
  void MaxLength(const std::string& value, size_t max, const std::string& field) {
    if (value.size() > max) {
      Add(value, field, "Member must have length less than or equal to " + std::to_string(max));
    }
  }
  // Value at '<field>' failed to satisfy constraint: <constraint> (what AWS says of a list or a
  // value it does not echo).
  void AddWithoutValue(const std::string& field, const std::string& constraint) {
    items_.push_back("Value at '" + field + "' failed to satisfy constraint: " + constraint);
  }
  bool empty() const { return items_.empty(); }
  // 400 `code` (ValidationException for most json services, ValidationError for query ones,
  // InvalidParameterException for CloudWatch Logs)
  // with "N validation error(s) detected: a; b".
  AwsError Error(const std::string& code = "ValidationException") const {
    std::string msg =
        std::to_string(items_.size()) +
        (items_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < items_.size(); ++i) msg += (i ? "; " : "") + items_[i];
    return AwsError(code, msg, 400);
  }

 private:
  std::vector<std::string> items_;
};

}  // namespace nimbus
