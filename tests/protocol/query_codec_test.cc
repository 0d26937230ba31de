#include <gtest/gtest.h>

#include "protocol/codec.h"
#include "protocol/test_util.h"

namespace nimbus {
namespace {

Result<DecodedCall, AwsError> Decode(const char* service, std::string body,
                                     std::string query = "") {
  const ServiceModel* m = FindServiceModel(service);
  return CodecFor(*m).Decode(*m,
                             testing::MakeRequest("POST", "/", std::move(query), std::move(body)));
}

std::string Code(const Result<DecodedCall, AwsError>& r) { return r.ok() ? "OK" : r.error().code; }

TEST(QueryCodec, GetCallerIdentity) {
  auto r = Decode("sts", "Action=GetCallerIdentity&Version=2011-06-15");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->operation->name(), "GetCallerIdentity");
  EXPECT_EQ(r->input, Value::object());
  // GET with the query string works too.
  r = Decode("sts", "", "Action=GetCallerIdentity&Version=2011-06-15");
  ASSERT_TRUE(r.ok());
}

TEST(QueryCodec, ActionErrors) {
  EXPECT_EQ(Code(Decode("sts", "Version=2011-06-15")), "MissingAction");
  auto r = Decode("sts", "Action=Nope&Version=2011-06-15");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidAction");
  EXPECT_EQ(r.error().message, "Could not find operation Nope for version 2011-06-15");
  r = Decode("sts", "Action=GetCallerIdentity&Version=2010-03-31");
  EXPECT_EQ(r.error().message, "Could not find operation GetCallerIdentity for version 2010-03-31");
}

TEST(QueryCodec, MissingRequiredAndBadValues) {
  auto r = Decode("sts", "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ValidationError");
  EXPECT_NE(r.error().message.find("'roleArn'"), std::string::npos);
  r = Decode("sns", "Action=Publish&Version=2010-03-31&TopicArn=t");
  EXPECT_EQ(Code(r), "InvalidParameter");
  EXPECT_EQ(Code(Decode("sts", "Action=AssumeRole&RoleArn=a&RoleSessionName=s&DurationSeconds=x")),
            "MalformedInput");
  EXPECT_EQ(Code(Decode("sts",
                        "Action=AssumeRole&RoleArn=a&RoleSessionName=s&"
                        "DurationSeconds=99999999999999999999")),
            "MalformedInput");
  EXPECT_EQ(Code(Decode("sns",
                        "Action=Publish&TopicArn=t&Message=m&MessageAttributes.entry.1."
                        "Name=a&MessageAttributes.entry.1.Value.DataType=Binary&"
                        "MessageAttributes.entry.1.Value.BinaryValue=%%%")),
            "MalformedInput");
}

TEST(QueryCodec, NestedListsAndMaps) {
  auto r = Decode("sns",
                  "Action=SetSubscriptionAttributes&SubscriptionArn=s&AttributeName=n&"
                  "AttributeValue=v");
  ASSERT_TRUE(r.ok());
  // Sparse / out-of-order indices keep numeric order; junk indices are ignored.
  r = Decode("sts",
             "Action=AssumeRole&RoleArn=a&RoleSessionName=s&Tags.member.10.Key=k10&"
             "Tags.member.10.Value=v10&Tags.member.2.Key=k2&Tags.member.2.Value=v2&"
             "Tags.member.x.Key=junk&TransitiveTagKeys.member.1=k2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->input["Tags"],
            (Value{{{"Key", "k2"}, {"Value", "v2"}}, {{"Key", "k10"}, {"Value", "v10"}}}));
  EXPECT_EQ(r->input["TransitiveTagKeys"], Value({"k2"}));
  // Very deep / long keys do not hurt.
  std::string body = "Action=AssumeRole&RoleArn=a&RoleSessionName=s&Tags";
  for (int i = 0; i < 5000; ++i) body += ".member.1";
  body += "=x";
  EXPECT_EQ(Code(Decode("sts", body)), "OK");
}

TEST(QueryCodec, EncodeResult) {
  const ServiceModel* m = FindServiceModel("sts");
  CallContext call;
  call.request_id = "rid";
  HttpResponse resp;
  CodecFor(*m).EncodeResult(*m, *m->FindOperation("GetCallerIdentity"),
                            {{"Arn", "arn:x"}, {"UserId", "u<&>"}, {"Account", "1"}}, call, resp);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("Content-Type"), "text/xml");
  EXPECT_EQ(resp.body,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<GetCallerIdentityResult><UserId>u&lt;&amp;&gt;</UserId><Account>1</Account>"
            "<Arn>arn:x</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>rid"
            "</RequestId></ResponseMetadata></GetCallerIdentityResponse>");
  const ServiceModel* sns = FindServiceModel("sns");
  CodecFor(*sns).EncodeResult(*sns, *sns->FindOperation("GetTopicAttributes"),
                              {{"Attributes", {{"A", std::string("x\x01y\xff\r\n", 6)}}}}, call,
                              resp);
  EXPECT_NE(resp.body.find("<Attributes><entry><key>A</key><value>x\xEF\xBF\xBDy\xEF\xBF\xBD"
                           "&#xD;&#xA;</value></entry></Attributes>"),
            std::string::npos)
      << resp.body;
}

TEST(QueryCodec, EncodeError) {
  const ServiceModel* m = FindServiceModel("sns");
  CallContext call;
  call.request_id = "rid";
  HttpResponse resp;
  CodecFor(*m).EncodeError(*m, AwsError("NotFound", "Topic <x> does not exist", 404), call, resp);
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.headers.Get("x-amzn-RequestId"), "rid");
  EXPECT_EQ(resp.body,
            "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender"
            "</Type><Code>NotFound</Code><Message>Topic &lt;x&gt; does not exist</Message>"
            "</Error><RequestId>rid</RequestId></ErrorResponse>");
  CodecFor(*m).EncodeError(*m, AwsError("InternalError", "x", 500, false), call, resp);
  EXPECT_NE(resp.body.find("<Type>Receiver</Type>"), std::string::npos);
}

}  // namespace
}  // namespace nimbus
