#include "services/lambda/mappings/event_filter.h"

#include <string_view>

#include "core/http.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

constexpr size_t kMaxFilters = 5;
constexpr size_t kMaxPatternChars = 4096;

struct Rule {
  enum Kind {
    kEquals,  // `value`: a string, number or null
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kAnythingBut,  // `values`
    kAnythingButPrefix,
    kAnythingButSuffix,
    kNumeric,
    kExists,
  } kind = kEquals;
  Value value;
  std::vector<Value> values;
  std::string text;
  std::optional<double> low, high;
  bool low_inclusive = false, high_inclusive = false;
  bool exists = true;
};

// Equality of a rule's literal and a record's scalar (numbers by value, as Lambda compares).
bool SameScalar(const Value& rule, const Value& v) {
  if (rule.is_number() && v.is_number()) return rule.get<double>() == v.get<double>();
  return rule == v;
}

}  // namespace

struct EventFilter::Node {
  std::vector<std::pair<std::string, std::vector<Rule>>> leaves;
  std::vector<std::pair<std::string, std::shared_ptr<const Node>>> children;
  std::vector<std::vector<std::shared_ptr<const Node>>> ors;  // each: any of them
};

namespace {

using Node = EventFilter::Node;

bool IsLiteral(const Value& v) { return v.is_string() || v.is_number() || v.is_null(); }

std::optional<Rule> ParseNumeric(const Value& ops) {
  if (!ops.is_array() || ops.empty() || ops.size() > 4 || ops.size() % 2 != 0) return std::nullopt;
  Rule r;
  r.kind = Rule::kNumeric;
  for (size_t i = 0; i < ops.size(); i += 2) {
    if (!ops[i].is_string() || !ops[i + 1].is_number()) return std::nullopt;
    std::string op = ops[i].get<std::string>();
    double n = ops[i + 1].get<double>();
    if (op == "=") {
      if (ops.size() != 2) return std::nullopt;
      r.low = r.high = n;
      r.low_inclusive = r.high_inclusive = true;
    } else if (op == ">" || op == ">=") {
      if (r.low) return std::nullopt;
      r.low = n;
      r.low_inclusive = op == ">=";
    } else if (op == "<" || op == "<=") {
      if (r.high) return std::nullopt;
      r.high = n;
      r.high_inclusive = op == "<=";
    } else {
      return std::nullopt;
    }
  }
  if (r.low && r.high && *r.low > *r.high) return std::nullopt;
  return r;
}

std::optional<Rule> ParseRule(const Value& v) {
  Rule r;
  if (IsLiteral(v)) {
    r.value = v;
    return r;
  }
  if (!v.is_object() || v.size() != 1) return std::nullopt;
  const std::string& op = v.begin().key();
  const Value& arg = v.begin().value();
  if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") {
    if (!arg.is_string()) return std::nullopt;
    r.kind = op == "prefix"   ? Rule::kPrefix
             : op == "suffix" ? Rule::kSuffix
                              : Rule::kEqualsIgnoreCase;
    r.text = arg.get<std::string>();
    return r;
  }
  if (op == "exists") {
    if (!arg.is_boolean()) return std::nullopt;
    r.kind = Rule::kExists;
    r.exists = arg.get<bool>();
    return r;
  }
  if (op == "numeric") return ParseNumeric(arg);
  if (op == "anything-but") {
    r.kind = Rule::kAnythingBut;
    if (IsLiteral(arg)) {
      r.values.push_back(arg);
    } else if (arg.is_array() && !arg.empty()) {
      for (const Value& a : arg) {
        if (!IsLiteral(a)) return std::nullopt;
        r.values.push_back(a);
      }
    } else if (arg.is_object() && arg.size() == 1 && arg.begin().value().is_string()) {
      const std::string& inner = arg.begin().key();
      if (inner != "prefix" && inner != "suffix") return std::nullopt;
      r.kind = inner == "prefix" ? Rule::kAnythingButPrefix : Rule::kAnythingButSuffix;
      r.text = arg.begin().value().get<std::string>();
    } else {
      return std::nullopt;
    }
    return r;
  }
  return std::nullopt;
}

std::shared_ptr<const Node> ParseNode(const Value& pattern, int depth) {
  if (!pattern.is_object() || pattern.empty() || depth > 32) return nullptr;
  auto node = std::make_shared<Node>();
  for (auto it = pattern.begin(); it != pattern.end(); ++it) {
    const Value& v = it.value();
    if (it.key() == "$or") {
      if (!v.is_array() || v.size() < 2) return nullptr;
      std::vector<std::shared_ptr<const Node>> any;
      for (const Value& alt : v) {
        auto n = ParseNode(alt, depth + 1);
        if (!n) return nullptr;
        any.push_back(std::move(n));
      }
      node->ors.push_back(std::move(any));
    } else if (v.is_object()) {
      auto child = ParseNode(v, depth + 1);
      if (!child) return nullptr;
      node->children.emplace_back(it.key(), std::move(child));
    } else if (v.is_array() && !v.empty()) {
      std::vector<Rule> rules;
      for (const Value& r : v) {
        auto rule = ParseRule(r);
        if (!rule) return nullptr;
        rules.push_back(std::move(*rule));
      }
      node->leaves.emplace_back(it.key(), std::move(rules));
    } else {
      return nullptr;
    }
  }
  return node;
}

bool ScalarMatches(const Rule& r, const Value& v) {
  switch (r.kind) {
    case Rule::kEquals:
      return SameScalar(r.value, v);
    case Rule::kPrefix:
      return v.is_string() && v.get_ref<const std::string&>().starts_with(r.text);
    case Rule::kSuffix:
      return v.is_string() && v.get_ref<const std::string&>().ends_with(r.text);
    case Rule::kEqualsIgnoreCase:
      return v.is_string() && EqualsIgnoreCase(v.get_ref<const std::string&>(), r.text);
    case Rule::kAnythingBut:
      for (const Value& x : r.values) {
        if (SameScalar(x, v)) return false;
      }
      return true;
    case Rule::kAnythingButPrefix:
      return v.is_string() && !v.get_ref<const std::string&>().starts_with(r.text);
    case Rule::kAnythingButSuffix:
      return v.is_string() && !v.get_ref<const std::string&>().ends_with(r.text);
    case Rule::kNumeric: {
      if (!v.is_number()) return false;
      double n = v.get<double>();
      if (r.low && (r.low_inclusive ? n < *r.low : n <= *r.low)) return false;
      if (r.high && (r.high_inclusive ? n > *r.high : n >= *r.high)) return false;
      return true;
    }
    case Rule::kExists:
      return r.exists;
  }
  return false;
}

// Whether the value at a leaf (nullptr: absent) satisfies one of `rules`.
bool LeafMatches(const std::vector<Rule>& rules, const Value* v) {
  for (const Rule& r : rules) {
    if (r.kind == Rule::kExists) {
      // A key holding an object or array exists too; Lambda treats only leaves, so an
      // empty array or an object counts as present.
      if ((v != nullptr) == r.exists) return true;
      continue;
    }
    if (v == nullptr || v->is_object()) continue;
    if (v->is_array()) {
      for (const Value& e : *v) {
        if (!e.is_object() && !e.is_array() && ScalarMatches(r, e)) return true;
      }
      continue;
    }
    if (ScalarMatches(r, *v)) return true;
  }
  return false;
}

bool NodeMatches(const Node& node, const Value& record) {
  for (const auto& [key, rules] : node.leaves) {
    const Value* v = nullptr;
    if (record.is_object()) {
      auto it = record.find(key);
      if (it != record.end()) v = &*it;
    }
    if (!LeafMatches(rules, v)) return false;
  }
  for (const auto& [key, child] : node.children) {
    if (!record.is_object()) return false;
    auto it = record.find(key);
    // A nested pattern over a missing key still matches when it only asks for absence.
    static const Value kEmpty = Value::object();
    if (!NodeMatches(*child, it == record.end() ? kEmpty : *it)) return false;
  }
  for (const auto& any : node.ors) {
    bool one = false;
    for (const auto& alt : any) one = one || NodeMatches(*alt, record);
    if (!one) return false;
  }
  return true;
}

AwsError InvalidPattern() { return InvalidParam("Invalid filter pattern definition."); }

}  // namespace

Result<EventFilter, AwsError> EventFilter::Parse(const Value& criteria) {
  EventFilter f;
  if (criteria.is_null() || (criteria.is_object() && criteria.empty())) return f;
  if (!criteria.is_object()) return InvalidPattern();
  auto filters = criteria.find("Filters");
  if (filters == criteria.end() || filters->is_null()) return f;
  if (!filters->is_array()) return InvalidPattern();
  if (filters->size() > kMaxFilters) return InvalidPattern();
  Value kept = {{"Filters", Value::array()}};
  for (const Value& filter : *filters) {
    if (!filter.is_object()) return InvalidPattern();
    auto pattern = filter.find("Pattern");
    if (pattern == filter.end() || !pattern->is_string()) return InvalidPattern();
    const std::string& text = pattern->get_ref<const std::string&>();
    Violations viol;
    viol.MaxLength(text, kMaxPatternChars, "filterCriteria.filters.member.pattern");
    if (!viol.empty()) return viol.Error();
    Value parsed = Value::parse(text, nullptr, /*allow_exceptions=*/false);
    auto node = parsed.is_discarded() ? nullptr : ParseNode(parsed, 0);
    if (!node) return InvalidPattern();
    f.patterns_.push_back(std::move(node));
    kept["Filters"].push_back({{"Pattern", text}});
  }
  if (!f.patterns_.empty()) f.criteria_ = std::move(kept);
  return f;
}

bool EventFilter::Matches(const Value& record) const {
  if (patterns_.empty()) return true;
  for (const auto& p : patterns_) {
    if (NodeMatches(*p, record)) return true;
  }
  return false;
}

}  // namespace nimbus::lambda
