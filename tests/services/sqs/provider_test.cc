// The SQS service as nimbus serves it (tests/services/provider_harness.h): operations over a
// fake clock, both wire protocols, and the QueueSender link.
#include <gtest/gtest.h>

#include <chrono>

#include "services/provider_harness.h"
#include "services/sqs/api/queue_sender.h"

namespace nimbus::sqs {
namespace {

using testing::ProviderHarness;

std::string MakeQueue(ProviderHarness& h, const std::string& name, Value attrs = Value::object()) {
  auto out = h.Call("sqs", "CreateQueue", {{"QueueName", name}, {"Attributes", attrs}});
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? (*out)["QueueUrl"].get<std::string>() : "";
}

TEST(SqsProviderTest, VisibilityTimeoutReturnsTheMessageOnTheFakeClock) {
  ProviderHarness h({"sqs"});
  ASSERT_TRUE(h.ok());
  std::string url = MakeQueue(h, "q", {{"VisibilityTimeout", "10"}});
  EXPECT_EQ(url, "http://127.0.0.1:4566/000000000000/q");
  ASSERT_TRUE(h.Call("sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", "hi"}}).ok());
  auto first = h.Call("sqs", "ReceiveMessage", {{"QueueUrl", url}});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ((*first)["Messages"].size(), 1u);
  auto hidden = h.Call("sqs", "ReceiveMessage", {{"QueueUrl", url}});
  EXPECT_FALSE(hidden->contains("Messages"));
  h.clock().Advance(std::chrono::seconds(11));
  auto again = h.Call("sqs", "ReceiveMessage", {{"QueueUrl", url}, {"AttributeNames", {"All"}}});
  ASSERT_EQ((*again)["Messages"].size(), 1u);
  EXPECT_EQ((*again)["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "2");
  // The first receipt handle is stale: deleting with it leaves the message.
  ASSERT_TRUE(
      h.Call("sqs", "DeleteMessage",
             {{"QueueUrl", url}, {"ReceiptHandle", (*first)["Messages"][0]["ReceiptHandle"]}})
          .ok());
  auto attrs =
      h.Call("sqs", "GetQueueAttributes",
             {{"QueueUrl", url}, {"AttributeNames", {"ApproximateNumberOfMessagesNotVisible"}}});
  EXPECT_EQ((*attrs)["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1");
}

TEST(SqsProviderTest, RetentionAndFifoDeduplicationWindowFollowTheClock) {
  ProviderHarness h({"sqs"});
  ASSERT_TRUE(h.ok());
  std::string url = MakeQueue(h, "short", {{"MessageRetentionPeriod", "60"}});
  ASSERT_TRUE(h.Call("sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", "old"}}).ok());
  h.clock().Advance(std::chrono::seconds(61));
  EXPECT_FALSE(h.Call("sqs", "ReceiveMessage", {{"QueueUrl", url}})->contains("Messages"));

  std::string fifo = MakeQueue(h, "f.fifo", {{"FifoQueue", "true"}});
  Value send = {{"QueueUrl", fifo},
                {"MessageBody", "x"},
                {"MessageGroupId", "g"},
                {"MessageDeduplicationId", "d"}};
  auto a = h.Call("sqs", "SendMessage", send);
  auto b = h.Call("sqs", "SendMessage", send);
  EXPECT_EQ((*a)["MessageId"], (*b)["MessageId"]);
  h.clock().Advance(std::chrono::minutes(5) + std::chrono::seconds(1));
  auto c = h.Call("sqs", "SendMessage", send);
  EXPECT_NE((*a)["MessageId"], (*c)["MessageId"]);
  EXPECT_GT((*c)["SequenceNumber"].get<std::string>(), (*a)["SequenceNumber"].get<std::string>());
}

TEST(SqsProviderTest, JsonErrorsNameTheShapeAndCarryTheQueryCode) {
  ProviderHarness h({"sqs"});
  ASSERT_TRUE(h.ok());
  HttpRequest req;
  req.method = "POST";
  req.target = req.path = "/";
  req.headers.Add("X-Amz-Target", "AmazonSQS.GetQueueUrl");
  req.headers.Add("Content-Type", "application/x-amz-json-1.0");
  req.body = R"({"QueueName":"nope"})";
  HttpResponse resp = h.Send("sqs", std::move(req));
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.headers.Get("x-amzn-query-error"),
            "AWS.SimpleQueueService.NonExistentQueue;Sender");
  EXPECT_NE(resp.body.find(R"("__type":"com.amazonaws.sqs#QueueDoesNotExist")"), std::string::npos)
      << resp.body;
}

TEST(SqsProviderTest, QueryProtocolRequestsGetXmlAnswers) {
  ProviderHarness h({"sqs"});
  ASSERT_TRUE(h.ok());
  auto form = [&](std::string body) {
    HttpRequest req;
    req.method = "POST";
    req.target = req.path = "/";
    req.headers.Add("Content-Type", "application/x-www-form-urlencoded");
    req.body = std::move(body);
    return h.Send("sqs", std::move(req));
  };
  HttpResponse created = form(
      "Action=CreateQueue&Version=2012-11-05&QueueName=x&Attribute.1.Name=DelaySeconds&"
      "Attribute.1.Value=0&Tag.1.Key=k&Tag.1.Value=v");
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_NE(created.body.find("<CreateQueueResult><QueueUrl>http://127.0.0.1:4566/000000000000/x"
                              "</QueueUrl></CreateQueueResult>"),
            std::string::npos)
      << created.body;
  HttpResponse sent = form(
      "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fx&"
      "MessageBody=hello&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String&"
      "MessageAttribute.1.Value.StringValue=x");
  EXPECT_NE(sent.body.find("<MD5OfMessageBody>5d41402abc4b2a76b9719d911017c592"), std::string::npos)
      << sent.body;
  HttpResponse got = form(
      "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fx&"
      "AttributeName.1=All&MessageAttributeName.1=All");
  EXPECT_NE(got.body.find("<Message><MessageId>"), std::string::npos) << got.body;
  EXPECT_NE(got.body.find("<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value>"),
            std::string::npos)
      << got.body;
  EXPECT_NE(got.body.find("<MessageAttribute><Name>a</Name><Value><StringValue>x"),
            std::string::npos)
      << got.body;
  HttpResponse missing = form("Action=GetQueueUrl&Version=2012-11-05&QueueName=nope");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>"),
            std::string::npos)
      << missing.body;
}

TEST(SqsProviderTest, QueueSenderSendsByArnToTheQueueOfItsAccount) {
  {
    ProviderHarness h({"sqs"});
    ASSERT_TRUE(h.ok());
    std::string url = MakeQueue(h, "linked");
    ASSERT_NE(h.links().sqs_sender, nullptr);
    OutgoingMessage m;
    m.body = "from sns";
    m.attributes["k"] = {"String", "v", ""};
    auto sent = h.links().sqs_sender->Send("arn:aws:sqs:us-east-1:000000000000:linked", m);
    ASSERT_TRUE(sent.ok()) << sent.error().ToString();
    EXPECT_EQ(sent->md5_of_body.size(), 32u);
    auto missing = h.links().sqs_sender->Send("arn:aws:sqs:us-east-1:000000000000:nope", m);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
    OutgoingMessage empty;
    EXPECT_EQ(h.links()
                  .sqs_sender->Send("arn:aws:sqs:us-east-1:000000000000:linked", empty)
                  .error()
                  .code(),
              StatusCode::kInvalidArgument);
    auto got =
        h.Call("sqs", "ReceiveMessage", {{"QueueUrl", url}, {"MessageAttributeNames", {"All"}}});
    ASSERT_EQ((*got)["Messages"].size(), 1u);
    EXPECT_EQ((*got)["Messages"][0]["Body"], "from sns");
    EXPECT_EQ((*got)["Messages"][0]["MessageAttributes"]["k"]["StringValue"], "v");
  }
}

}  // namespace
}  // namespace nimbus::sqs
