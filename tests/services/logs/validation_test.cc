#include "services/logs/validation.h"

#include <gtest/gtest.h>

namespace nimbus::logs {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

std::vector<LogEvent> Events(std::initializer_list<int64_t> ts) {
  std::vector<LogEvent> out;
  for (int64_t t : ts) out.push_back({t, "m"});
  return out;
}

TEST(Names, GroupAndStreamConstraintsWordedLikeAws) {
  Violations v;
  CheckGroupName(v, "logGroupName", "ok/name_1.#-");
  CheckStreamName(v, "logStreamName", "2024/01/01/[$LATEST]abc");
  EXPECT_TRUE(v.empty());
  CheckGroupName(v, "logGroupName", "bad:name");
  ASSERT_FALSE(v.empty());
  AwsError e = v.Error(kInvalidParameter);
  EXPECT_EQ(e.code, "InvalidParameterException");
  EXPECT_EQ(e.message,
            "1 validation error detected: Value 'bad:name' at 'logGroupName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  CheckStreamName(v, "logStreamName", std::string(513, 'a'));
  EXPECT_EQ(v.Error(kInvalidParameter).message.substr(0, 28), "2 validation errors detected");
  Violations s;
  CheckStreamName(s, "logStreamName", "a*b");
  EXPECT_NE(s.Error(kInvalidParameter).message.find("[^:*]*"), std::string::npos);
}

TEST(Retention, AcceptsOnlyAwsValues) {
  EXPECT_TRUE(IsValidRetention(1));
  EXPECT_TRUE(IsValidRetention(3653));
  EXPECT_FALSE(IsValidRetention(2));
  EXPECT_FALSE(IsValidRetention(0));
  EXPECT_EQ(RetentionValueSet().substr(0, 10), "[1, 3, 5, ");
}

TEST(Batch, AcceptsOrderedBatch) {
  auto v = CheckBatch(Events({kNow - 1000, kNow, kNow}), kNow, std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->begin, 0u);
  EXPECT_EQ(v->end, 3u);
  EXPECT_FALSE(v->too_new_start || v->too_old_end || v->expired_end);
}

TEST(Batch, FailsOnCountSizeOrderAndSpan) {
  std::vector<LogEvent> many(10001, LogEvent{kNow, "x"});
  auto r = CheckBatch(many, kNow, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("less than or equal to 10000"), std::string::npos);

  EXPECT_FALSE(CheckBatch({}, kNow, std::nullopt).ok());
  EXPECT_FALSE(CheckBatch({{kNow, ""}}, kNow, std::nullopt).ok());

  // 1 MiB including 26 bytes per event: exactly at the limit passes, one byte more fails.
  std::vector<LogEvent> big = {{kNow, std::string(1'048'576 - 26, 'a')}};
  EXPECT_TRUE(CheckBatch(big, kNow, std::nullopt).ok());
  big[0].message.push_back('a');
  r = CheckBatch(big, kNow, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Upload too large: 1048577 bytes exceeds limit of 1048576");

  r = CheckBatch(Events({kNow, kNow - 1}), kNow, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("chronological order"), std::string::npos);

  r = CheckBatch(Events({kNow - kDay - 1, kNow}), kNow, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("24 hours"), std::string::npos);
}

TEST(Batch, RejectsTooOldTooNewAndExpiredIndividually) {
  auto v =
      CheckBatch(Events({kNow - 15 * kDay, kNow - 1, kNow, kNow + 3 * kHour}), kNow, std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->too_old_end, 0);
  EXPECT_EQ(v->too_new_start, 3);
  EXPECT_EQ(v->begin, 1u);
  EXPECT_EQ(v->end, 3u);

  v = CheckBatch(Events({kNow - 2 * kDay, kNow - 1}), kNow, 1);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->expired_end, 0);
  EXPECT_FALSE(v->too_old_end);
  EXPECT_EQ(v->begin, 1u);

  // Everything rejected: nothing accepted, not an error.
  v = CheckBatch(Events({kNow + 3 * kHour}), kNow, std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->begin, v->end);
}

}  // namespace
}  // namespace nimbus::logs
