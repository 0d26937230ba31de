#include "services/sns/delivery_policy.h"

#include <gtest/gtest.h>

namespace nimbus::sns {
namespace {

TEST(DeliveryPolicyTest, AwsDefaultIsThreeRetriesTwentySecondsApart) {
  RetryPolicy p;
  EXPECT_EQ(p.DelayBeforeRetry(1), 20.0);
  EXPECT_EQ(p.DelayBeforeRetry(3), 20.0);
  EXPECT_FALSE(p.DelayBeforeRetry(4).has_value());
}

TEST(DeliveryPolicyTest, PhasesInOrder) {
  auto p = ParseDeliveryPolicy(
      R"({"healthyRetryPolicy":{"numRetries":10,"numNoDelayRetries":2,"minDelayTarget":5,
          "numMinDelayRetries":2,"maxDelayTarget":25,"numMaxDelayRetries":2,
          "backoffFunction":"linear"},"throttlePolicy":{"maxReceivesPerSecond":3}})",
      false);
  ASSERT_TRUE(p.ok()) << p.error();
  double expected[] = {0, 0, 5, 5, 10, 15, 20, 25, 25, 25};
  for (int i = 1; i <= 10; ++i) EXPECT_DOUBLE_EQ(*p->DelayBeforeRetry(i), expected[i - 1]) << i;
  EXPECT_FALSE(p->DelayBeforeRetry(11).has_value());
  EXPECT_EQ(*p->max_receives_per_second, 3);
}

TEST(DeliveryPolicyTest, BackoffFunctionsRiseFromMinToMax) {
  for (const char* fn : {"linear", "arithmetic", "geometric", "exponential"}) {
    auto p = ParseDeliveryPolicy(std::string(R"({"healthyRetryPolicy":{"numRetries":5,)") +
                                     R"("minDelayTarget":1,"maxDelayTarget":100,)" +
                                     R"("backoffFunction":")" + fn + R"("}})",
                                 false);
    ASSERT_TRUE(p.ok()) << fn << p.error();
    double last = 1;
    for (int i = 1; i <= 5; ++i) {
      double d = *p->DelayBeforeRetry(i);
      EXPECT_GE(d, last) << fn << " " << i;
      last = d;
    }
    EXPECT_DOUBLE_EQ(last, 100) << fn;
  }
}

TEST(DeliveryPolicyTest, TopicPolicyIsUnderHttp) {
  auto p = ParseDeliveryPolicy(
      R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":1,"minDelayTarget":2,
          "maxDelayTarget":2}}})",
      true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->DelayBeforeRetry(1), 2.0);
  EXPECT_FALSE(p->DelayBeforeRetry(2).has_value());
}

TEST(DeliveryPolicyTest, InvalidPolicies) {
  const char* bad[] = {
      "x",
      R"({"healthyRetryPolicy":{"numRetries":101}})",
      R"({"healthyRetryPolicy":{"numRetries":"3"}})",
      R"({"healthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":20}})",
      R"({"healthyRetryPolicy":{"numRetries":2,"numNoDelayRetries":3}})",
      R"({"healthyRetryPolicy":{"backoffFunction":"cubic"}})",
      R"({"throttlePolicy":{"maxReceivesPerSecond":0}})",
  };
  for (const char* b : bad) {
    auto p = ParseDeliveryPolicy(b, false);
    EXPECT_FALSE(p.ok()) << b;
    if (!p.ok()) {
      EXPECT_EQ(p.error().rfind("DeliveryPolicy: ", 0), 0u) << p.error();
    }
  }
}

}  // namespace
}  // namespace nimbus::sns
