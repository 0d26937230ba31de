#include "services/ecr/lifecycle.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/json_parse.h"

namespace nimbus::ecr {
namespace {

using nlohmann::json;

Status Invalid(const std::string& m) {
  return Status::InvalidArgument(
      "Invalid parameter at 'LifecyclePolicyText' failed to satisfy "
      "constraint: '" +
      m + "'");
}

Result<std::vector<std::string>> StringList(const json& sel, const char* key) {
  std::vector<std::string> out;
  auto it = sel.find(key);
  if (it == sel.end()) return out;
  if (!it->is_array() || it->empty())
    return Invalid(std::string(key) + " must be a non-empty list");
  for (const auto& v : *it) {
    if (!v.is_string() || v.get<std::string>().empty()) {
      return Invalid(std::string(key) + " must hold non-empty strings");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<LifecycleRule> ParseRule(const json& r) {
  if (!r.is_object()) return Invalid("rule must be an object");
  LifecycleRule rule;
  auto prio = r.find("rulePriority");
  if (prio == r.end() || !prio->is_number_integer() || prio->get<int64_t>() < 1) {
    return Invalid("rulePriority must be a positive integer");
  }
  rule.priority = static_cast<int>(prio->get<int64_t>());
  auto sel = r.find("selection");
  if (sel == r.end() || !sel->is_object()) return Invalid("rule must have a selection");
  auto ts = sel->find("tagStatus");
  if (ts == sel->end() || !ts->is_string()) return Invalid("selection.tagStatus is required");
  rule.tag_status = ts->get<std::string>();
  if (rule.tag_status != "tagged" && rule.tag_status != "untagged" && rule.tag_status != "any") {
    return Invalid("tagStatus must be one of tagged, untagged, any");
  }
  auto prefixes = StringList(*sel, "tagPrefixList");
  if (!prefixes.ok()) return prefixes.error();
  auto patterns = StringList(*sel, "tagPatternList");
  if (!patterns.ok()) return patterns.error();
  rule.tag_prefixes = std::move(*prefixes);
  rule.tag_patterns = std::move(*patterns);
  bool has_list = !rule.tag_prefixes.empty() || !rule.tag_patterns.empty();
  if (rule.tag_status == "tagged" && !has_list) {
    return Invalid("tagPrefixList or tagPatternList is required when tagStatus is tagged");
  }
  if (rule.tag_status != "tagged" && has_list) {
    return Invalid("tagPrefixList and tagPatternList are only allowed when tagStatus is tagged");
  }
  for (const auto& p : rule.tag_patterns) {
    if (std::count(p.begin(), p.end(), '*') > 4)
      return Invalid("tagPatternList allows 4 wildcards");
  }
  auto ct = sel->find("countType");
  if (ct == sel->end() || !ct->is_string()) return Invalid("selection.countType is required");
  std::string count_type = ct->get<std::string>();
  auto unit = sel->find("countUnit");
  if (count_type == "imageCountMoreThan") {
    rule.count_more_than = true;
    if (unit != sel->end()) return Invalid("countUnit is not allowed with imageCountMoreThan");
  } else if (count_type == "sinceImagePushed") {
    rule.count_more_than = false;
    if (unit == sel->end() || *unit != "days") {
      return Invalid("countUnit must be days with sinceImagePushed");
    }
  } else {
    return Invalid("countType must be imageCountMoreThan or sinceImagePushed");
  }
  auto cn = sel->find("countNumber");
  if (cn == sel->end() || !cn->is_number_integer() || cn->get<int64_t>() < 1) {
    return Invalid("countNumber must be a positive integer");
  }
  rule.count = cn->get<int64_t>();
  auto action = r.find("action");
  if (action == r.end() || !action->is_object() || !action->contains("type") ||
      (*action)["type"] != "expire") {
    return Invalid("action.type must be expire");
  }
  return rule;
}

bool Selects(const LifecycleRule& rule, const LifecycleImage& image) {
  if (rule.tag_status == "any") return true;
  if (rule.tag_status == "untagged") return image.tags.empty();
  if (image.tags.empty()) return false;
  for (const auto& prefix : rule.tag_prefixes) {
    bool hit = std::any_of(image.tags.begin(), image.tags.end(),
                           [&](const std::string& t) { return t.starts_with(prefix); });
    if (!hit) return false;
  }
  for (const auto& pattern : rule.tag_patterns) {
    bool hit = std::any_of(image.tags.begin(), image.tags.end(),
                           [&](const std::string& t) { return WildcardMatch(pattern, t); });
    if (!hit) return false;
  }
  return true;
}

}  // namespace

bool WildcardMatch(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] != '*' && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Result<LifecyclePolicy> ParseLifecyclePolicy(std::string_view text) {
  if (text.size() < 100 || text.size() > 30720) {
    return Invalid("Member must have length between 100 and 30720");
  }
  json doc = ParseJson(text);
  if (doc.is_discarded() || !doc.is_object()) return Invalid("policy is not valid JSON");
  auto rules = doc.find("rules");
  if (rules == doc.end() || !rules->is_array() || rules->empty()) {
    return Invalid("rules must be a non-empty list");
  }
  LifecyclePolicy policy;
  std::set<int> seen;
  for (const auto& r : *rules) {
    auto rule = ParseRule(r);
    if (!rule.ok()) return rule.error();
    if (!seen.insert(rule->priority).second) return Invalid("rulePriority must be unique");
    policy.rules.push_back(std::move(*rule));
  }
  std::sort(policy.rules.begin(), policy.rules.end(),
            [](const auto& a, const auto& b) { return a.priority < b.priority; });
  for (size_t i = 0; i + 1 < policy.rules.size(); ++i) {
    if (policy.rules[i].tag_status == "any") {
      return Invalid("a rule with tagStatus any must have the highest rulePriority");
    }
  }
  return policy;
}

std::vector<std::string> EvaluateLifecycle(const LifecyclePolicy& policy,
                                           const std::vector<LifecycleImage>& images,
                                           int64_t now_ms) {
  std::vector<bool> claimed(images.size(), false);
  std::vector<std::string> expired;
  for (const auto& rule : policy.rules) {
    std::vector<size_t> matched;
    for (size_t i = 0; i < images.size(); ++i) {
      if (!claimed[i] && Selects(rule, images[i])) matched.push_back(i);
    }
    // Newest first; ties broken by digest so the outcome is deterministic.
    std::sort(matched.begin(), matched.end(), [&](size_t a, size_t b) {
      if (images[a].pushed_ms != images[b].pushed_ms) {
        return images[a].pushed_ms > images[b].pushed_ms;
      }
      return images[a].digest < images[b].digest;
    });
    for (size_t k = 0; k < matched.size(); ++k) {
      const LifecycleImage& image = images[matched[k]];
      claimed[matched[k]] = true;
      bool expire = rule.count_more_than ? static_cast<int64_t>(k) >= rule.count
                                         : now_ms - image.pushed_ms > rule.count * 86400 * 1000;
      if (expire) expired.push_back(image.digest);
    }
  }
  return expired;
}

}  // namespace nimbus::ecr
