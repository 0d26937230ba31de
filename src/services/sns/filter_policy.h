// SNS subscription filter policies (reference G.5): parsed and validated once (with AWS's
// InvalidParameter messages and complexity limits), then matched against a message's
// attributes (FilterPolicyScope MessageAttributes) or its JSON body (MessageBody).
//
// Operators: exact strings and numbers (and null, true, false in bodies), prefix, suffix,
// equals-ignore-case, anything-but (a value, a list, or {prefix|suffix}), numeric (=, <, <=, >,
// >= and ranges), exists, cidr (IPv4 and IPv6), $or at any level, nested keys in body scope.
// Pure; a FilterPolicy is immutable and thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "protocol/call.h"

namespace nimbus::sns {

enum class FilterScope { kMessageAttributes, kMessageBody };

// One published message attribute as SNS keeps it: DataType (String, String.Array, Number,
// Binary or with a custom ".suffix") and its string value (Binary: base64).
struct MessageAttribute {
  std::string type;
  std::string value;
};
using MessageAttributes = std::map<std::string, MessageAttribute>;

class FilterPolicy {
 public:
  // Parses and validates `json` for `scope`. The error is the text after "Invalid parameter: "
  // AWS answers ("FilterPolicy: ..."): callers wrap it in InvalidParameter.
  static Result<FilterPolicy, std::string> Parse(std::string_view json, FilterScope scope);

  // Whether a message with `attributes` matches (MessageAttributes scope).
  bool MatchesAttributes(const MessageAttributes& attributes) const;
  // Whether a message whose body is `body` matches (MessageBody scope; a body that is not a
  // JSON object matches no policy with keys).
  bool MatchesBody(std::string_view body) const;

  struct Node;  // the parsed policy (filter_policy.cc)

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace nimbus::sns
