#include "services/ecr/lifecycle.h"

#include <gtest/gtest.h>

namespace nimbus::ecr {
namespace {

constexpr int64_t kDay = 86400 * 1000;

std::string Policy(const std::string& rules) {
  std::string text = R"({"rules":[)" + rules + "]}";
  while (text.size() < 100) text.insert(text.size() - 1, " ");
  return text;
}

std::string Rule(int prio, const std::string& selection) {
  return R"({"rulePriority":)" + std::to_string(prio) + R"(,"description":"r","selection":{)" +
         selection + R"(},"action":{"type":"expire"}})";
}

TEST(EcrLifecycle, ValidatesRules) {
  EXPECT_TRUE(
      ParseLifecyclePolicy(
          Policy(Rule(
              1,
              R"("tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14)")))
          .ok());
  EXPECT_FALSE(ParseLifecyclePolicy("{}").ok());  // too short
  EXPECT_FALSE(
      ParseLifecyclePolicy(
          Policy(
              Rule(1, R"("tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1)")))
          .ok());
  EXPECT_FALSE(
      ParseLifecyclePolicy(
          Policy(Rule(
              1,
              R"("tagStatus":"untagged","tagPrefixList":["x"],"countType":"imageCountMoreThan","countNumber":1)")))
          .ok());
  EXPECT_FALSE(
      ParseLifecyclePolicy(
          Policy(Rule(1, R"("tagStatus":"any","countType":"imageCountMoreThan","countNumber":0)")))
          .ok());
  EXPECT_FALSE(
      ParseLifecyclePolicy(
          Policy(Rule(1, R"("tagStatus":"any","countType":"sinceImagePushed","countNumber":3)")))
          .ok());
  // An "any" rule must come last.
  EXPECT_FALSE(
      ParseLifecyclePolicy(
          Policy(
              Rule(1, R"("tagStatus":"any","countType":"imageCountMoreThan","countNumber":1)") +
              "," +
              Rule(2,
                   R"("tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1)")))
          .ok());
  EXPECT_FALSE(
      ParseLifecyclePolicy(
          Policy(
              Rule(1,
                   R"("tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1)") +
              "," +
              Rule(1,
                   R"("tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":2)")))
          .ok());
}

TEST(EcrLifecycle, UntaggedCountKeepsNewest) {
  auto p = ParseLifecyclePolicy(Policy(
      Rule(1, R"("tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1)")));
  ASSERT_TRUE(p.ok());
  std::vector<LifecycleImage> images = {
      {"d1", {}, 1}, {"d2", {}, 2}, {"d3", {"latest"}, 3}, {"d4", {}, 4}};
  auto expired = EvaluateLifecycle(*p, images, 10);
  EXPECT_EQ(expired, (std::vector<std::string>{"d2", "d1"}));
}

TEST(EcrLifecycle, SinceImagePushedAndPrefixes) {
  auto p = ParseLifecyclePolicy(Policy(
      Rule(
          1,
          R"("tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":5)") +
      "," +
      Rule(
          2,
          R"("tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":7)")));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  int64_t now = 100 * kDay;
  std::vector<LifecycleImage> images = {
      {"old-prod", {"prod-1"}, now - 30 * kDay},  // claimed by rule 1, kept
      {"old-dev", {"dev-1"}, now - 30 * kDay},    // rule 2 expires
      {"new-dev", {"dev-2"}, now - 1 * kDay},     // kept
      {"old-untagged", {}, now - 8 * kDay},       // rule 2 expires
  };
  auto expired = EvaluateLifecycle(*p, images, now);
  std::sort(expired.begin(), expired.end());
  EXPECT_EQ(expired, (std::vector<std::string>{"old-dev", "old-untagged"}));
}

TEST(EcrLifecycle, PatternsNeedEveryEntry) {
  auto p = ParseLifecyclePolicy(Policy(Rule(
      1,
      R"("tagStatus":"tagged","tagPatternList":["v*","*-rc"],"countType":"imageCountMoreThan","countNumber":1)")));
  ASSERT_TRUE(p.ok());
  std::vector<LifecycleImage> images = {
      {"a", {"v1-rc"}, 1}, {"b", {"v2", "x-rc"}, 2}, {"c", {"v3"}, 3}};
  auto expired = EvaluateLifecycle(*p, images, 10);
  EXPECT_EQ(expired, (std::vector<std::string>{"a"}));
  EXPECT_TRUE(WildcardMatch("a*b*c", "aXXbYc"));
  EXPECT_FALSE(WildcardMatch("a*b", "ab-"));
}

}  // namespace
}  // namespace nimbus::ecr
