// Event source mappings from SQS: the Records[] event a batch becomes, what a function's
// response reports failed (ReportBatchItemFailures), and a mapping's stored form.
#include "services/lambda/mappings/sqs_event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "services/lambda/mappings/mapping.h"

namespace nimbus::lambda {
namespace {

std::vector<sqs::PolledMessage> Batch() {
  sqs::PolledMessage a;
  a.message_id = "id-a";
  a.receipt_handle = "rh-a";
  a.body = "hello";
  a.md5_of_body = "5d41402abc4b2a76b9719d911017c592";
  a.attributes["color"] = {"String", "blue", ""};
  a.attributes["raw"] = {"Binary", "", std::string("\x00\x01", 2)};
  a.md5_of_attributes = "0123456789abcdef0123456789abcdef";
  a.sender_id = "AIDAEXAMPLE";
  a.sent_ms = 1700000000000;
  a.first_receive_ms = 1700000000500;
  a.receive_count = 2;
  sqs::PolledMessage b;
  b.message_id = "id-b";
  b.body = "{\"n\":1}";
  b.group_id = "g1";
  b.deduplication_id = "d1";
  b.sequence_number = "18800000000000000001";
  return {a, b};
}

TEST(SqsEventTest, ShapesRecordsAsLambdaDoes) {
  auto event =
      nlohmann::json::parse(SqsEvent(Batch(), "arn:aws:sqs:eu-west-1:123456789012:q", "eu-west-1"));
  ASSERT_EQ(event["Records"].size(), 2u);
  const auto& a = event["Records"][0];
  EXPECT_EQ(a["messageId"], "id-a");
  EXPECT_EQ(a["receiptHandle"], "rh-a");
  EXPECT_EQ(a["body"], "hello");
  EXPECT_EQ(a["attributes"]["ApproximateReceiveCount"], "2");
  EXPECT_EQ(a["attributes"]["SentTimestamp"], "1700000000000");
  EXPECT_EQ(a["attributes"]["SenderId"], "AIDAEXAMPLE");
  EXPECT_EQ(a["attributes"]["ApproximateFirstReceiveTimestamp"], "1700000000500");
  EXPECT_EQ(a["messageAttributes"]["color"],
            nlohmann::json::parse(R"({"stringValue":"blue","stringListValues":[],
                                      "binaryListValues":[],"dataType":"String"})"));
  EXPECT_EQ(a["messageAttributes"]["raw"]["binaryValue"], "AAE=");
  EXPECT_EQ(a["md5OfMessageAttributes"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(a["md5OfBody"], "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(a["eventSource"], "aws:sqs");
  EXPECT_EQ(a["eventSourceARN"], "arn:aws:sqs:eu-west-1:123456789012:q");
  EXPECT_EQ(a["awsRegion"], "eu-west-1");
  const auto& b = event["Records"][1];
  EXPECT_EQ(b["body"], "{\"n\":1}");  // a body stays text, even when it is JSON
  EXPECT_EQ(b["attributes"]["MessageGroupId"], "g1");
  EXPECT_EQ(b["attributes"]["MessageDeduplicationId"], "d1");
  EXPECT_EQ(b["attributes"]["SequenceNumber"], "18800000000000000001");
  EXPECT_FALSE(b.contains("md5OfMessageAttributes"));
  EXPECT_TRUE(b["messageAttributes"].is_object());
}

TEST(SqsEventTest, FailedItemsFollowLambdasRules) {
  auto batch = Batch();
  std::set<std::string> none, all = {"id-a", "id-b"};
  // Complete success.
  EXPECT_EQ(FailedItems("", batch), none);
  EXPECT_EQ(FailedItems("null", batch), none);
  EXPECT_EQ(FailedItems("{}", batch), none);
  EXPECT_EQ(FailedItems(R"({"batchItemFailures":[]})", batch), none);
  EXPECT_EQ(FailedItems(R"({"batchItemFailures":null})", batch), none);
  EXPECT_EQ(FailedItems(R"("done")", batch), none);
  // Partial.
  EXPECT_EQ(FailedItems(R"({"batchItemFailures":[{"itemIdentifier":"id-b"}]})", batch),
            std::set<std::string>{"id-b"});
  // Complete failure.
  EXPECT_EQ(FailedItems("{not json", batch), all);
  EXPECT_EQ(FailedItems(R"({"batchItemFailures":[{"itemIdentifier":""}]})", batch), all);
  EXPECT_EQ(FailedItems(R"({"batchItemFailures":[{"itemIdentifier":null}]})", batch), all);
  EXPECT_EQ(FailedItems(R"({"batchItemFailures":[{"id":"id-a"}]})", batch), all);
  EXPECT_EQ(FailedItems(R"({"batchItemFailures":[{"itemIdentifier":"id-z"}]})", batch), all);
}

TEST(MappingTest, RoundTripsAndAnswersAsAws) {
  EventSourceMapping m;
  m.uuid = "6a1c7d6e-0000-4000-8000-000000000001";
  m.account = "123456789012";
  m.region = "us-east-1";
  m.function_name = "fn";
  m.qualifier = "live";
  m.event_source_arn = "arn:aws:sqs:us-east-1:123456789012:q";
  m.batch_size = 100;
  m.max_batching_window_seconds = 5;
  m.enabled = false;
  m.report_batch_item_failures = true;
  m.max_concurrency = 3;
  m.last_modified = 1700000000.5;
  EventSourceMapping back;
  ASSERT_TRUE(FromJson(ToJson(m), back));
  EXPECT_EQ(ToJson(back), ToJson(m));
  Value out = MappingOutput(back, SettledState(back));
  EXPECT_EQ(out["State"], "Disabled");
  EXPECT_EQ(out["FunctionArn"], "arn:aws:lambda:us-east-1:123456789012:function:fn:live");
  EXPECT_EQ(out["EventSourceMappingArn"],
            "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:" + m.uuid);
  EXPECT_EQ(out["FunctionResponseTypes"], Value::array({"ReportBatchItemFailures"}));
  EXPECT_EQ(out["ScalingConfig"]["MaximumConcurrency"], 3);
  EXPECT_FALSE(FromJson(Value::array(), back));
}

}  // namespace
}  // namespace nimbus::lambda
