// SQS's pure pieces: the MD5s AWS computes, message rules and queue attribute validation.
#include "services/sqs/message_rules.h"

#include <gtest/gtest.h>

#include "services/sqs/message_md5.h"
#include "services/sqs/queue_attributes.h"

namespace nimbus::sqs {
namespace {

TEST(SqsMd5Test, BodyAndAttributesAsAwsComputesThem) {
  EXPECT_EQ(Md5Hex("hello"), "5d41402abc4b2a76b9719d911017c592");
  AttributeValues attrs;
  attrs["b"] = {"Binary", "", std::string("\x00\x01", 2)};
  attrs["a"] = {"String", "x", ""};
  attrs["n"] = {"Number.int", "5", ""};
  // Sorted by name; length-prefixed name and type, transport byte 1/2, length-prefixed value
  // (the expected value computed independently in Python).
  EXPECT_EQ(AttributesMd5(attrs), "a3432800a91149982c1ada4320198f29");
  EXPECT_EQ(AttributesMd5({}), "");
}

TEST(SqsMessageRulesTest, BodyCharactersAndAttributes) {
  EXPECT_FALSE(CheckBody("tab\tnewline\n✓ 😀"));
  auto empty = CheckBody("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->code, "MissingParameter");
  auto bad = CheckBody(std::string("a\x01", 2));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->code, "InvalidMessageContents");
  EXPECT_TRUE(CheckBody("\xff\xfe"));  // not UTF-8

  AttributeValues ok = {{"n", {"Number", "1.5", ""}}, {"s.x-y_z", {"String.custom", "v", ""}}};
  EXPECT_FALSE(CheckAttributes(ok));
  EXPECT_TRUE(CheckAttributes({{"AWS.x", {"String", "v", ""}}}));
  EXPECT_TRUE(CheckAttributes({{"a..b", {"String", "v", ""}}}));
  EXPECT_TRUE(CheckAttributes({{"n", {"Number", "one", ""}}}));
  EXPECT_TRUE(CheckAttributes({{"t", {"Float", "1", ""}}}));
  EXPECT_TRUE(CheckAttributes({{"t", {"String.", "1", ""}}}));
  EXPECT_TRUE(CheckAttributes({{"b", {"Binary", "", ""}}}));
  AttributeValues eleven;
  for (int i = 0; i < 11; ++i) eleven["k" + std::to_string(i)] = {"String", "v", ""};
  EXPECT_TRUE(CheckAttributes(eleven));
  EXPECT_FALSE(CheckSystemAttributes({{"AWSTraceHeader", {"String", "Root=1", ""}}}));
  EXPECT_TRUE(CheckSystemAttributes({{"Other", {"String", "x", ""}}}));
  EXPECT_EQ(MessageSize("abc", {{"k", {"String", "vv", ""}}}), 3u + 1 + 6 + 2);
}

TEST(SqsQueueAttributesTest, RangesNamesAndPolicies) {
  auto ok =
      ValidateQueueAttributes({{"DelaySeconds", "900"}, {"VisibilityTimeout", "0"}}, false, true);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["DelaySeconds"], "900");
  auto over = ValidateQueueAttributes({{"DelaySeconds", "901"}}, false, true);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "InvalidAttributeValue");
  EXPECT_EQ(ValidateQueueAttributes({{"Nope", "1"}}, false, true).error().code,
            "InvalidAttributeName");
  // FIFO-only attributes are unknown on a standard queue; FifoQueue only at creation.
  EXPECT_EQ(
      ValidateQueueAttributes({{"ContentBasedDeduplication", "true"}}, false, true).error().code,
      "InvalidAttributeName");
  EXPECT_TRUE(ValidateQueueAttributes({{"ContentBasedDeduplication", "TRUE"}}, true, true).ok());
  EXPECT_EQ(ValidateQueueAttributes({{"FifoQueue", "true"}}, true, false).error().code,
            "InvalidAttributeName");
  auto redrive = ValidateQueueAttributes(
      {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:d",)"
                         R"("maxReceiveCount":"3"})"}},
      false, true);
  ASSERT_TRUE(redrive.ok());
  auto p = ParseRedrivePolicy(*redrive);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->max_receive_count, 3);
  EXPECT_FALSE(
      ValidateQueueAttributes(
          {{"RedrivePolicy", R"({"deadLetterTargetArn":"a","maxReceiveCount":0})"}}, false, true)
          .ok());
  AttributeMap allow = {
      {"RedriveAllowPolicy", R"({"redrivePermission":"byQueue","sourceQueueArns":["arn:s"]})"}};
  EXPECT_TRUE(ValidateQueueAttributes(allow, false, true).ok());
  EXPECT_TRUE(RedriveAllowed(allow, "arn:s"));
  EXPECT_FALSE(RedriveAllowed(allow, "arn:t"));
}

}  // namespace
}  // namespace nimbus::sqs
