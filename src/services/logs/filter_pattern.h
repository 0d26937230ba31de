// CloudWatch Logs filter patterns for unstructured messages: terms and quoted phrases.
//
//   ERROR                     messages containing "ERROR" (case-sensitive)
//   ERROR Exception           containing both terms
//   "Failed to process"       containing the exact phrase
//   ?ERROR ?WARN              containing at least one of the ?-terms
//   ERROR -Exiting            containing ERROR and not Exiting
//   (empty)                   every message
//
// JSON ({ $.x = 1 }), space-delimited ([ip, user, ...]) and regex (%...%) patterns are not
// supported: Parse rejects them with InvalidArgument rather than matching wrongly.
// Value type; Matches is const and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::logs {

class FilterPattern {
 public:
  // The pattern matching every message.
  FilterPattern() = default;
  // Parses `text`; InvalidArgument (message fit for InvalidParameterException) on syntax
  // errors (an unterminated quote, a bare '?' or '-') and on unsupported pattern kinds.
  static Result<FilterPattern> Parse(std::string_view text);
  // True when `message` satisfies the pattern.
  bool Matches(std::string_view message) const;
  // True when the pattern matches everything.
  bool empty() const { return all_.empty() && any_.empty() && none_.empty(); }

 private:
  std::vector<std::string> all_;   // every one must occur
  std::vector<std::string> any_;   // at least one must occur (when non-empty)
  std::vector<std::string> none_;  // none may occur
};

}  // namespace nimbus::logs
