// ECR lifecycle policies: validation of lifecyclePolicyText and evaluation over a
// repository's images. Pure functions; thread-safe.
//
// Evaluation follows ECR's documented rules: rules run in rulePriority order; an image matched
// by a rule's tag selection is claimed by it (kept or expired) and no lower-priority rule sees
// it; imageCountMoreThan keeps the N most recently pushed matches; sinceImagePushed expires
// matches pushed more than N days ago. tagPrefixList/tagPatternList select images having, for
// every entry, at least one tag matching it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::ecr {

struct LifecycleRule {
  int priority = 0;
  std::string tag_status;  // "tagged", "untagged", "any"
  std::vector<std::string> tag_prefixes;
  std::vector<std::string> tag_patterns;  // '*' wildcards
  bool count_more_than = true;            // imageCountMoreThan, else sinceImagePushed
  int64_t count = 0;                      // images, or days
};

struct LifecyclePolicy {
  std::vector<LifecycleRule> rules;  // sorted by priority
};

// Parses and validates `text` as ECR does; InvalidArgument with ECR-style wording otherwise.
Result<LifecyclePolicy> ParseLifecyclePolicy(std::string_view text);

struct LifecycleImage {
  std::string digest;
  std::vector<std::string> tags;
  int64_t pushed_ms = 0;
};

// Digests of the images `policy` expires at `now_ms`.
std::vector<std::string> EvaluateLifecycle(const LifecyclePolicy& policy,
                                           const std::vector<LifecycleImage>& images,
                                           int64_t now_ms);

// '*' matches any run of characters; everything else literally.
bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace nimbus::ecr
