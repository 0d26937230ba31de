#include <gtest/gtest.h>

#include "protocol/codec.h"
#include "protocol/test_util.h"

namespace nimbus {
namespace {

class JsonCodecTest : public ::testing::Test {
 protected:
  Result<DecodedCall, AwsError> Decode(const char* service, std::string target, std::string body) {
    const ServiceModel* m = FindServiceModel(service);
    HttpRequest r = testing::MakeRequest("POST", "/", "", std::move(body));
    if (!target.empty()) r.headers.Add("X-Amz-Target", target);
    r.headers.Add("Content-Type", "application/x-amz-json-1.1");
    return CodecFor(*m).Decode(*m, r);
  }
  static std::string Code(const Result<DecodedCall, AwsError>& r) {
    return r.ok() ? "OK" : r.error().code;
  }
};

TEST_F(JsonCodecTest, DecodesInput) {
  auto r = Decode("logs", "Logs_20140328.GetLogEvents",
                  R"({"logGroupName":"g","logStreamName":"s","startFromHead":true,"limit":5,
                      "unknownMember":1,"nextToken":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->operation->name(), "GetLogEvents");
  EXPECT_EQ(
      r->input,
      (Value{
          {"logGroupName", "g"}, {"logStreamName", "s"}, {"startFromHead", true}, {"limit", 5}}));
}

TEST_F(JsonCodecTest, EmptyBodyIsEmptyInput) {
  auto r = Decode("ecr", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->input, Value::object());
}

TEST_F(JsonCodecTest, UnknownOperation) {
  EXPECT_EQ(Code(Decode("logs", "Logs_20140328.Nope", "{}")), "UnknownOperationException");
  EXPECT_EQ(Code(Decode("logs", "Other.GetLogEvents", "{}")), "UnknownOperationException");
  EXPECT_EQ(Code(Decode("logs", "", "{}")), "UnknownOperationException");
  EXPECT_EQ(Code(Decode("logs", "Logs_20140328.", "{}")), "UnknownOperationException");
}

TEST_F(JsonCodecTest, MalformedAndWrongTypes) {
  const std::string t = "Logs_20140328.GetLogEvents";
  EXPECT_EQ(Code(Decode("logs", t, "{")), "SerializationException");
  EXPECT_EQ(Code(Decode("logs", t, "[1]")), "SerializationException");
  EXPECT_EQ(Code(Decode("logs", t, "\"x\"")), "SerializationException");
  // nlohmann alone stops at a raw NUL and would take the rest for the end of the input.
  EXPECT_EQ(Code(Decode("logs", t,
                        std::string(R"({"logGroupName":"g","logStreamName":"s"})") +
                            std::string("\0trailing", 9))),
            "SerializationException");
  EXPECT_EQ(Code(Decode("logs", t, R"({"logGroupName":5,"logStreamName":"s"})")),
            "SerializationException");
  EXPECT_EQ(Code(Decode("logs", t, R"({"logGroupName":"g","logStreamName":"s","limit":"5"})")),
            "SerializationException");
  EXPECT_EQ(Code(Decode("logs", t, R"({"logGroupName":"g","logStreamName":"s","limit":1.5})")),
            "SerializationException");
  EXPECT_EQ(Code(Decode("logs", t, R"({"logGroupName":{},"logStreamName":"s"})")),
            "SerializationException");
}

TEST_F(JsonCodecTest, HugeNumbers) {
  const std::string t = "Logs_20140328.GetLogEvents";
  for (const char* n :
       {"3000000000", "-2147483649", "99999999999999999999999", "1e400", "18446744073709551615"}) {
    std::string body = std::string(R"({"logGroupName":"g","logStreamName":"s","limit":)") + n + "}";
    EXPECT_EQ(Code(Decode("logs", t, body)), "SerializationException") << n;
  }
  // long members take 64-bit values.
  auto r =
      Decode("logs", t, R"({"logGroupName":"g","logStreamName":"s","startTime":9007199254740993})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->input["startTime"].get<int64_t>(), 9007199254740993);
}

TEST_F(JsonCodecTest, DeepNestingIsRejectedWithoutCrashing) {
  std::string deep(100000, '[');
  EXPECT_EQ(Code(Decode("logs", "Logs_20140328.GetLogEvents", deep)), "SerializationException");
  std::string nested = R"({"a":)" + std::string(60, '[') + std::string(60, ']') + "}";
  EXPECT_EQ(Code(Decode("ecs", "AmazonEC2ContainerServiceV20141113.ListClusters", nested)), "OK");
}

TEST_F(JsonCodecTest, MissingRequired) {
  auto r = Decode("logs", "Logs_20140328.GetLogEvents", R"({"logGroupName":"g"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterException");
  EXPECT_NE(r.error().message.find("'logStreamName'"), std::string::npos);
  // Nested required members (InputLogEvent.message) are checked too.
  r = Decode("logs", "Logs_20140328.PutLogEvents",
             R"({"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("logEvents.1.member.message"), std::string::npos);
}

TEST_F(JsonCodecTest, BlobsAndTimestamps) {
  auto r = Decode("sqs", "AmazonSQS.SendMessage",
                  R"({"QueueUrl":"q","MessageBody":"m","MessageAttributes":{"a":
                     {"DataType":"Binary","BinaryValue":"AAH/"}}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->input["MessageAttributes"]["a"]["BinaryValue"].get_binary(),
            std::vector<uint8_t>({0, 1, 255}));
  r = Decode("sqs", "AmazonSQS.SendMessage",
             R"({"QueueUrl":"q","MessageBody":"m","MessageAttributes":{"a":
                {"DataType":"Binary","BinaryValue":"!!"}}})");
  EXPECT_EQ(Code(r), "SerializationException");
  r = Decode("ecs", "AmazonEC2ContainerServiceV20141113.SubmitTaskStateChange",
             R"({"pullStartedAt":"2024-05-17T08:30:15.5Z","pullStoppedAt":1715934615.25})");
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->input["pullStartedAt"].get<double>(), 1715934615.5);
  EXPECT_DOUBLE_EQ(r->input["pullStoppedAt"].get<double>(), 1715934615.25);
}

TEST_F(JsonCodecTest, EncodeResultAndError) {
  const ServiceModel* m = FindServiceModel("ecr");
  const OperationModel* op = m->FindOperation("DescribeImages");
  CallContext call;
  call.request_id = "rid";
  HttpResponse resp;
  Value out = {{"imageDetails",
                {{{"imageTags", {"b", "a"}}, {"imagePushedAt", 1.5}, {"repositoryName", "r"}}}},
               {"unknown", 1}};
  CodecFor(*m).EncodeResult(*m, *op, out, call, resp);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(resp.headers.Get("x-amzn-RequestId"), "rid");
  // Members in model order (repositoryName before imageTags before imagePushedAt), unknown skipped.
  EXPECT_EQ(
      resp.body,
      R"({"imageDetails":[{"repositoryName":"r","imageTags":["b","a"],"imagePushedAt":1.5}]})");

  AwsError err("RepositoryNotFoundException", "bad \"repo\"\x01\xff", 400);
  err.fields = {{"extra", 1}};
  CodecFor(*m).EncodeError(*m, err, call, resp);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("x-amzn-ErrorType"), "RepositoryNotFoundException");
  EXPECT_EQ(
      resp.body,
      R"({"__type":"RepositoryNotFoundException","message":"bad \"repo\"\u0001\ufffd","extra":1})");
  Value parsed = Value::parse(resp.body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded());

  const ServiceModel* sqs = FindServiceModel("sqs");
  AwsError q("AWS.SimpleQueueService.NonExistentQueue", "x", 400);
  CodecFor(*sqs).EncodeError(*sqs, q, call, resp);
  EXPECT_EQ(resp.headers.Get("x-amzn-query-error"),
            "AWS.SimpleQueueService.NonExistentQueue;Sender");
  EXPECT_EQ(resp.headers.Get("Content-Type"), "application/x-amz-json-1.0");
}

}  // namespace
}  // namespace nimbus
