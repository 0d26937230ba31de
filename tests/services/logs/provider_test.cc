// The logs service as nimbus serves it, built from the service table and called in process
// through the gateway's dispatch path (tests/services/provider_harness.h).
#include <gtest/gtest.h>

#include "services/logs/api/log_sink.h"
#include "services/provider_harness.h"

namespace nimbus::logs {
namespace {

using testing::ProviderHarness;

TEST(LogsProviderTest, GroupsAndEventsThroughTheOperations) {
  ProviderHarness h({"logs"});
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h.Call("logs", "CreateLogGroup", {{"logGroupName", "g"}}).ok());
  auto again = h.Call("logs", "CreateLogGroup", {{"logGroupName", "g"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "ResourceAlreadyExistsException");
  ASSERT_TRUE(
      h.Call("logs", "CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "s"}}).ok());
  int64_t t = ProviderHarness::kStartMillis;
  auto put = h.Call("logs", "PutLogEvents",
                    {{"logGroupName", "g"},
                     {"logStreamName", "s"},
                     {"logEvents", {{{"timestamp", t}, {"message", "one"}}}}});
  ASSERT_TRUE(put.ok()) << put.error().message;
  auto got = h.Call("logs", "GetLogEvents",
                    {{"logGroupName", "g"}, {"logStreamName", "s"}, {"startFromHead", true}});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ((*got)["events"].size(), 1u);
  EXPECT_EQ((*got)["events"][0]["message"], "one");
  // Another account sees none of it.
  auto other = h.Call("logs", "DescribeLogGroups", Value::object(), "111111111111");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE((*other)["logGroups"].empty());
}

TEST(LogsProviderTest, HttpRequestsGoThroughTheJsonCodec) {
  ProviderHarness h({"logs"});
  ASSERT_TRUE(h.ok());
  HttpRequest req;
  req.method = "POST";
  req.target = req.path = "/";
  req.headers.Add("X-Amz-Target", "Logs_20140328.DescribeLogStreams");
  req.headers.Add("Content-Type", "application/x-amz-json-1.1");
  req.body = R"({"logGroupName":"nope"})";
  HttpResponse resp = h.Send("logs", std::move(req));
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.operation, "CloudWatchLogs.DescribeLogStreams");
  EXPECT_NE(resp.body.find("ResourceNotFoundException"), std::string::npos) << resp.body;

  HttpRequest unknown;
  unknown.method = "POST";
  unknown.target = unknown.path = "/";
  unknown.headers.Add("X-Amz-Target", "Logs_20140328.StartQuery");  // in the model, not served
  unknown.headers.Add("Content-Type", "application/x-amz-json-1.1");
  unknown.body = R"({"logGroupName":"g","startTime":1,"endTime":2,"queryString":"x"})";
  resp = h.Send("logs", std::move(unknown));
  EXPECT_EQ(resp.status, 501);
  EXPECT_NE(resp.body.find("CloudWatchLogs.StartQuery"), std::string::npos) << resp.body;
}

TEST(LogsProviderTest, PublishesTheSinkOtherServicesShipTo) {
  ProviderHarness h({"logs"});
  ASSERT_TRUE(h.ok());
  ASSERT_NE(h.links().log_sink, nullptr);
  int64_t t = ProviderHarness::kStartMillis;
  h.links().log_sink->Append({LogBatch{
      Scope{"000000000000", "us-east-1"}, "/aws/lambda/f", "s", {{t, "START"}, {t + 1, "END"}}}});
  auto got =
      h.Call("logs", "GetLogEvents",
             {{"logGroupName", "/aws/lambda/f"}, {"logStreamName", "s"}, {"startFromHead", true}});
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ((*got)["events"].size(), 2u);
  EXPECT_EQ((*got)["events"][1]["message"], "END");
}

}  // namespace
}  // namespace nimbus::logs
