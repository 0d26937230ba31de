#include "services/sns/filter_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "core/http.h"

namespace nimbus::sns {
namespace {

constexpr size_t kMaxKeys = 5;
constexpr size_t kMaxCombinations = 150;
constexpr double kNumericLimit = 1e9;

// A value a condition looks at: one attribute value, one element of a String.Array, or one
// scalar of a JSON body.
struct Scalar {
  enum Kind { kString, kNumber, kBool, kNull } kind = kString;
  std::string text;
  double number = 0;
  bool flag = false;
};

struct Cidr {
  int family = AF_INET;
  unsigned char net[16] = {};
  int bits = 0;
};

struct Condition {
  enum Kind {
    kExact,
    kNumberEquals,
    kNull,
    kBool,
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kAnythingBut,  // `values`
    kAnythingButPrefix,
    kAnythingButSuffix,
    kNumeric,
    kExists,
    kCidr,
  } kind = kExact;
  std::string text;
  double number = 0;
  bool flag = false;
  std::vector<Scalar> values;
  std::optional<double> low, high;
  bool low_inclusive = false, high_inclusive = false;
  Cidr cidr;
};

using Error = std::string;

bool SameNumber(double a, double b) { return std::fabs(a - b) < 5e-6; }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<Cidr> ParseCidr(std::string_view text, bool allow_no_bits) {
  Cidr c;
  size_t slash = text.find('/');
  std::string addr(text.substr(0, slash));
  c.family = addr.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  int max_bits = c.family == AF_INET ? 32 : 128;
  if (inet_pton(c.family, addr.c_str(), c.net) != 1) return std::nullopt;
  if (slash == std::string_view::npos) {
    if (!allow_no_bits) return std::nullopt;
    c.bits = max_bits;
    return c;
  }
  std::string_view bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3) return std::nullopt;
  int n = 0;
  for (char ch : bits) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  if (n > max_bits) return std::nullopt;
  c.bits = n;
  return c;
}

bool InCidr(const Cidr& net, std::string_view text) {
  auto ip = ParseCidr(text, /*allow_no_bits=*/true);
  if (!ip || ip->family != net.family) return false;
  int full = net.bits / 8, rest = net.bits % 8;
  if (std::memcmp(ip->net, net.net, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (ip->net[full] & mask) == (net.net[full] & mask);
}

bool EqualScalar(const Scalar& a, const Scalar& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Scalar::kString:
      return a.text == b.text;
    case Scalar::kNumber:
      return SameNumber(a.number, b.number);
    case Scalar::kBool:
      return a.flag == b.flag;
    case Scalar::kNull:
      return true;
  }
  return false;
}

bool MatchScalar(const Condition& c, const Scalar& v) {
  bool is_string = v.kind == Scalar::kString;
  switch (c.kind) {
    case Condition::kExact:
      return is_string && v.text == c.text;
    case Condition::kNumberEquals:
      return v.kind == Scalar::kNumber && SameNumber(v.number, c.number);
    case Condition::kNull:
      return v.kind == Scalar::kNull;
    case Condition::kBool:
      return v.kind == Scalar::kBool && v.flag == c.flag;
    case Condition::kPrefix:
      return is_string && v.text.compare(0, c.text.size(), c.text) == 0;
    case Condition::kSuffix:
      return is_string && EndsWith(v.text, c.text);
    case Condition::kEqualsIgnoreCase:
      return is_string && EqualsIgnoreCase(v.text, c.text);
    case Condition::kAnythingBut:
      return std::none_of(c.values.begin(), c.values.end(),
                          [&](const Scalar& x) { return EqualScalar(x, v); });
    case Condition::kAnythingButPrefix:
      return is_string && v.text.compare(0, c.text.size(), c.text) != 0;
    case Condition::kAnythingButSuffix:
      return is_string && !EndsWith(v.text, c.text);
    case Condition::kNumeric:
      if (v.kind != Scalar::kNumber) return false;
      if (c.low && (c.low_inclusive ? v.number < *c.low - 5e-6 : v.number <= *c.low + 5e-6)) {
        return false;
      }
      if (c.high && (c.high_inclusive ? v.number > *c.high + 5e-6 : v.number >= *c.high - 5e-6)) {
        return false;
      }
      return true;
    case Condition::kExists:
      return c.flag;
    case Condition::kCidr:
      return is_string && InCidr(c.cidr, v.text);
  }
  return false;
}

// ---- parsing ----

Result<double, Error> NumericValue(const Value& v, const std::string& op) {
  if (!v.is_number()) return Error("Value of " + op + " must be numeric");
  double d = v.get<double>();
  if (d < -kNumericLimit || d > kNumericLimit) {
    return Error("Numeric value must be between -1000000000 and 1000000000");
  }
  return d;
}

Result<Condition, Error> ParseNumeric(const Value& spec) {
  if (!spec.is_array() || spec.empty()) return Error("Value of numeric must be an array.");
  Condition c;
  c.kind = Condition::kNumeric;
  size_t i = 0;
  bool seen_low = false, seen_high = false;
  while (i < spec.size()) {
    if (!spec[i].is_string()) {
      return Error("Value of numeric must be an array of operators and numbers");
    }
    std::string op = spec[i].get<std::string>();
    if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") {
      return Error("Unrecognized numeric range operator: " + op);
    }
    if (i + 1 >= spec.size()) return Error("Value of " + op + " must be numeric");
    auto d = NumericValue(spec[i + 1], op);
    if (!d.ok()) return d.error();
    if (op == "=") {
      if (spec.size() != 2) return Error("Too many elements in numeric expression");
      c.low = c.high = *d;
      c.low_inclusive = c.high_inclusive = true;
      return c;
    }
    bool lower = op[0] == '>';
    if ((lower && (seen_low || seen_high)) || (!lower && seen_high)) {
      return Error("Bad numeric range operator: " + op);
    }
    if (lower) {
      c.low = *d;
      c.low_inclusive = op.size() == 2;
      seen_low = true;
    } else {
      c.high = *d;
      c.high_inclusive = op.size() == 2;
      seen_high = true;
    }
    i += 2;
  }
  if (spec.size() > 4) return Error("Too many elements in numeric expression");
  if (c.low && c.high && *c.low >= *c.high) return Error("Bottom must be less than top");
  return c;
}

std::optional<Scalar> ScalarOf(const Value& v) {
  Scalar s;
  if (v.is_string()) {
    s.text = v.get<std::string>();
  } else if (v.is_number()) {
    s.kind = Scalar::kNumber;
    s.number = v.get<double>();
  } else if (v.is_boolean()) {
    s.kind = Scalar::kBool;
    s.flag = v.get<bool>();
  } else if (v.is_null()) {
    s.kind = Scalar::kNull;
  } else {
    return std::nullopt;
  }
  return s;
}

Result<Condition, Error> ParseAnythingBut(const Value& spec) {
  Condition c;
  c.kind = Condition::kAnythingBut;
  if (spec.is_object()) {
    if (spec.size() != 1)
      return Error("Value of anything-but must be an array or single string/number value.");
    auto it = spec.begin();
    if (it.key() != "prefix" && it.key() != "suffix") {
      return Error("Unsupported anything-but pattern: " + it.key());
    }
    if (!it->is_string() || it->get<std::string>().empty()) {
      return Error(it.key() + " match pattern must be a string");
    }
    c.kind = it.key() == "prefix" ? Condition::kAnythingButPrefix : Condition::kAnythingButSuffix;
    c.text = it->get<std::string>();
    return c;
  }
  if (spec.is_array()) {
    if (spec.empty()) return Error("Empty arrays are not allowed");
    for (const Value& v : spec) {
      if (!v.is_string() && !v.is_number()) {
        return Error("Inside anything but list, start|null|boolean is not supported.");
      }
      c.values.push_back(*ScalarOf(v));
    }
    return c;
  }
  if (spec.is_string() || spec.is_number()) {
    c.values.push_back(*ScalarOf(spec));
    return c;
  }
  return Error("Value of anything-but must be an array or single string/number value.");
}

Result<Condition, Error> ParseOperator(const Value& obj) {
  if (obj.size() != 1) return Error("Only one key allowed in match expression");
  auto it = obj.begin();
  const std::string& op = it.key();
  const Value& spec = *it;
  Condition c;
  if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") {
    if (!spec.is_string()) return Error(op + " match pattern must be a string");
    c.kind = op == "prefix"   ? Condition::kPrefix
             : op == "suffix" ? Condition::kSuffix
                              : Condition::kEqualsIgnoreCase;
    c.text = spec.get<std::string>();
    return c;
  }
  if (op == "anything-but") return ParseAnythingBut(spec);
  if (op == "numeric") return ParseNumeric(spec);
  if (op == "exists") {
    if (!spec.is_boolean()) return Error("exists match pattern must be either true or false.");
    c.kind = Condition::kExists;
    c.flag = spec.get<bool>();
    return c;
  }
  if (op == "cidr") {
    if (!spec.is_string()) return Error("Malformed CIDR, one '/' required");
    auto net = ParseCidr(spec.get<std::string>(), /*allow_no_bits=*/false);
    if (!net) return Error("Malformed CIDR, one '/' required");
    c.kind = Condition::kCidr;
    c.cidr = *net;
    return c;
  }
  return Error("Unrecognized match type " + op);
}

Result<std::vector<Condition>, Error> ParseLeaf(const Value& list) {
  if (list.empty()) return Error("Empty arrays are not allowed");
  std::vector<Condition> out;
  for (const Value& v : list) {
    Condition c;
    if (v.is_string()) {
      c.text = v.get<std::string>();
    } else if (v.is_number()) {
      auto d = NumericValue(v, "numeric");
      if (!d.ok()) return d.error();
      c.kind = Condition::kNumberEquals;
      c.number = *d;
    } else if (v.is_null()) {
      c.kind = Condition::kNull;
    } else if (v.is_boolean()) {
      c.kind = Condition::kBool;
      c.flag = v.get<bool>();
    } else if (v.is_object()) {
      auto op = ParseOperator(v);
      if (!op.ok()) return op.error();
      c = std::move(*op);
    } else {
      return Error("Match value must be String, number, true, false, or null");
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

struct FilterPolicy::Node {
  std::map<std::string, std::vector<Condition>> leaves;
  std::map<std::string, Node> children;  // nested keys (MessageBody scope)
  std::vector<std::vector<Node>> ors;    // each "$or": its alternatives

  // A conjunction of (leaf path, number of values) pairs, for the complexity limits.
  using Branch = std::vector<size_t>;
  // The branches of this node's $or expansion, stopping once there are more than `cap`.
  std::vector<Branch> Expand(size_t cap) const {
    std::vector<Branch> out(1);
    for (const auto& [k, conds] : leaves) out[0].push_back(conds.size());
    auto cross = [&](const std::vector<Branch>& alts) {
      std::vector<Branch> next;
      for (const Branch& a : out) {
        for (const Branch& b : alts) {
          Branch c = a;
          c.insert(c.end(), b.begin(), b.end());
          next.push_back(std::move(c));
          if (next.size() > cap) break;
        }
        if (next.size() > cap) break;
      }
      out = std::move(next);
    };
    for (const auto& [k, child] : children) cross(child.Expand(cap));
    for (const auto& alternatives : ors) {
      std::vector<Branch> alts;
      for (const Node& n : alternatives) {
        for (Branch& b : n.Expand(cap)) alts.push_back(std::move(b));
      }
      cross(alts);
    }
    return out;
  }
};

namespace {

using Node = FilterPolicy::Node;

Result<Node, Error> ParseNode(const Value& obj, FilterScope scope, int depth) {
  if (depth > 32) return Error("Filter policy is too complex");
  Node node;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    const Value& v = *it;
    if (key == "$or") {
      if (!v.is_array() || v.size() < 2) {
        return Error("Value of $or must be an array of at least 2 objects");
      }
      std::vector<Node> alternatives;
      for (const Value& alt : v) {
        if (!alt.is_object() || alt.empty()) {
          return Error("Value of $or must be an array of at least 2 objects");
        }
        auto n = ParseNode(alt, scope, depth + 1);
        if (!n.ok()) return n.error();
        alternatives.push_back(std::move(*n));
      }
      node.ors.push_back(std::move(alternatives));
    } else if (v.is_array()) {
      auto leaf = ParseLeaf(v);
      if (!leaf.ok()) return leaf.error();
      node.leaves.emplace(key, std::move(*leaf));
    } else if (v.is_object()) {
      if (scope == FilterScope::kMessageAttributes) {
        return Error("Filter policy scope MessageAttributes does not support nested filter policy");
      }
      if (v.empty()) return Error("Empty objects are not allowed");
      auto child = ParseNode(v, scope, depth + 1);
      if (!child.ok()) return child.error();
      node.children.emplace(key, std::move(*child));
    } else {
      return Error("\"" + key + "\" must be an object or an array");
    }
  }
  return node;
}

// The values of `key` among `fields` (a JSON object), arrays flattened; nullopt when absent.
void Collect(const Value& v, std::vector<Scalar>& out) {
  if (v.is_array()) {
    for (const Value& e : v) Collect(e, out);
  } else if (auto s = ScalarOf(v)) {
    out.push_back(std::move(*s));
  }
}

bool MatchLeaf(const std::vector<Condition>& conds, bool present,
               const std::vector<Scalar>& values) {
  for (const Condition& c : conds) {
    if (c.kind == Condition::kExists) {
      if (c.flag == present) return true;
      continue;
    }
    if (!present) continue;
    for (const Scalar& v : values) {
      if (MatchScalar(c, v)) return true;
    }
  }
  return false;
}

std::vector<Scalar> AttributeValues(const MessageAttribute& a) {
  std::vector<Scalar> out;
  Scalar s;
  if (a.type.rfind("Number", 0) == 0) {
    char* end = nullptr;
    s.number = std::strtod(a.value.c_str(), &end);
    s.kind = Scalar::kNumber;
    if (end == a.value.c_str()) {
      s.kind = Scalar::kString;
      s.text = a.value;
    }
    out.push_back(std::move(s));
  } else if (a.type.rfind("String.Array", 0) == 0) {
    Value arr = Value::parse(a.value, nullptr, false);
    if (arr.is_array()) {
      for (const Value& e : arr) {
        if (auto x = ScalarOf(e)) out.push_back(std::move(*x));
      }
    }
  } else {
    s.text = a.value;
    out.push_back(std::move(s));
  }
  return out;
}

bool MatchAttributesNode(const Node& n, const MessageAttributes& attrs) {
  for (const auto& [key, conds] : n.leaves) {
    auto it = attrs.find(key);
    bool present = it != attrs.end() && it->second.type.rfind("Binary", 0) != 0;
    std::vector<Scalar> values;
    if (present) values = AttributeValues(it->second);
    if (!MatchLeaf(conds, present, values)) return false;
  }
  for (const auto& alternatives : n.ors) {
    if (std::none_of(alternatives.begin(), alternatives.end(),
                     [&](const Node& alt) { return MatchAttributesNode(alt, attrs); })) {
      return false;
    }
  }
  return true;
}

// `objects`: the JSON objects at this level (several when arrays of objects were flattened).
bool MatchBodyNode(const Node& n, const std::vector<const Value*>& objects) {
  for (const auto& [key, conds] : n.leaves) {
    std::vector<Scalar> values;
    bool present = false;
    for (const Value* o : objects) {
      auto it = o->find(key);
      if (it == o->end()) continue;
      present = true;
      Collect(*it, values);
    }
    if (!MatchLeaf(conds, present, values)) return false;
  }
  for (const auto& [key, child] : n.children) {
    std::vector<const Value*> inner;
    for (const Value* o : objects) {
      auto it = o->find(key);
      if (it == o->end()) continue;
      if (it->is_object()) inner.push_back(&*it);
      if (it->is_array()) {
        for (const Value& e : *it) {
          if (e.is_object()) inner.push_back(&e);
        }
      }
    }
    if (!MatchBodyNode(child, inner)) return false;
  }
  for (const auto& alternatives : n.ors) {
    if (std::none_of(alternatives.begin(), alternatives.end(),
                     [&](const Node& alt) { return MatchBodyNode(alt, objects); })) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<FilterPolicy, std::string> FilterPolicy::Parse(std::string_view json, FilterScope scope) {
  auto fail = [](const std::string& what) { return "FilterPolicy: " + what; };
  if (json.size() > 256 * 1024) return fail("Filter policy is too long");
  Value v = Value::parse(json, nullptr, false);
  if (v.is_discarded()) return fail("failed to parse JSON.");
  if (!v.is_object()) return fail("Filter policy must be a JSON object");
  auto node = ParseNode(v, scope, 0);
  if (!node.ok()) return fail(node.error());
  size_t combinations = 0;
  for (const Node::Branch& b : node->Expand(kMaxCombinations)) {
    if (b.size() > kMaxKeys) return fail("Filter policy can not have more than 5 keys");
    size_t product = 1;
    for (size_t n : b) product = std::min(product * n, kMaxCombinations + 1);
    combinations += product;
    if (combinations > kMaxCombinations) return fail("Filter policy is too complex");
  }
  FilterPolicy p;
  p.root_ = std::make_shared<const Node>(std::move(*node));
  return p;
}

bool FilterPolicy::MatchesAttributes(const MessageAttributes& attributes) const {
  return root_ == nullptr || MatchAttributesNode(*root_, attributes);
}

bool FilterPolicy::MatchesBody(std::string_view body) const {
  if (root_ == nullptr) return true;
  Value v = Value::parse(body, nullptr, false);
  if (!v.is_object()) {
    return root_->leaves.empty() && root_->children.empty() && root_->ors.empty();
  }
  return MatchBodyNode(*root_, {&v});
}

}  // namespace nimbus::sns
