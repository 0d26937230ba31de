// Lambda's event filtering (an event source mapping's FilterCriteria): up to 5 patterns in
// Lambda's filter rule syntax, parsed and checked once, then matched against each record. A
// record matching any pattern goes to the function; the others are dropped (for SQS: deleted).
//
// Syntax of a pattern (a JSON object): a key maps to a nested pattern object or to a list of
// rules, any of which may match the record's value there (an array value: any element).
// Rules: a string, number or null to equal ("" is the empty string), and objects
// {"prefix": s}, {"suffix": s}, {"equals-ignore-case": s}, {"anything-but": v | [v...] |
// {"prefix"|"suffix": s}}, {"numeric": [op, n(, op, n)]} with =, <, <=, >, >=, and
// {"exists": true|false}. "$or": [pattern, ...] matches when any of its patterns does.
// Immutable and thread-safe once parsed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/aws_error.h"
#include "protocol/call.h"

namespace nimbus::lambda {

class EventFilter {
 public:
  // Parses FilterCriteria {"Filters":[{"Pattern":"<json>"}]}. An absent, empty or Filters-less
  // criteria gives a filter that matches every record (empty()). Errors are AWS's:
  // InvalidParameterValueException "Invalid filter pattern definition." for a pattern that is
  // not valid filter rule syntax, and for more than 5 filters.
  static Result<EventFilter, AwsError> Parse(const Value& criteria);

  bool empty() const { return patterns_.empty(); }
  // The FilterCriteria to report back ({"Filters":[{"Pattern": text}]} as given).
  const Value& criteria() const { return criteria_; }
  // Whether `record` (a JSON record as the function would see it) matches any pattern (true
  // when there is none).
  bool Matches(const Value& record) const;

  struct Node;  // a parsed pattern (event_filter.cc)

 private:
  Value criteria_;
  std::vector<std::shared_ptr<const Node>> patterns_;
};

}  // namespace nimbus::lambda
