#include "protocol/rest_json_codec.h"

#include <gtest/gtest.h>

#include "protocol/codec.h"
#include "protocol/test_util.h"

namespace nimbus {
namespace {

// A synthetic rest-json model exercising every member location and trait.
constexpr char kModel[] = R"({
 "metadata":{"modelName":"demo","protocol":"rest-json","apiVersion":"2020-01-01"},
 "operations":{
  "PutObj":{"name":"PutObj","http":{"method":"PUT","requestUri":"/v1/{Bucket}/{Key+}"},
            "input":{"shape":"PutIn"},"output":{"shape":"PutOut"}},
  "PutTagging":{"name":"PutTagging","http":{"method":"PUT",
                "requestUri":"/v1/{Bucket}/{Key+}?tagging"},"input":{"shape":"TagIn"}},
  "Blob":{"name":"Blob","http":{"method":"POST","requestUri":"/v1/blob/{Id}","responseCode":201},
          "input":{"shape":"BlobIn"},"output":{"shape":"BlobOut"}}},
 "shapes":{
  "S":{"type":"string"}, "I":{"type":"integer"}, "B":{"type":"boolean"},
  "T":{"type":"timestamp"}, "Bl":{"type":"blob"}, "D":{"type":"double"},
  "SL":{"type":"list","member":{"shape":"S"}},
  "IL":{"type":"list","member":{"shape":"I"}},
  "SM":{"type":"map","key":{"shape":"S"},"value":{"shape":"S"}},
  "Doc":{"type":"string"},
  "Inner":{"type":"structure","members":{"N":{"shape":"I"},"When":{"shape":"T"}}},
  "PutIn":{"type":"structure","required":["Bucket","Key"],"members":{
    "Bucket":{"shape":"S","location":"uri","locationName":"Bucket"},
    "Key":{"shape":"S","location":"uri","locationName":"Key"},
    "Ids":{"shape":"IL","location":"querystring","locationName":"id"},
    "Flag":{"shape":"B","location":"querystring","locationName":"flag"},
    "Since":{"shape":"T","location":"querystring","locationName":"since"},
    "Extra":{"shape":"SM","location":"querystring"},
    "When":{"shape":"T","location":"header","locationName":"X-When"},
    "Names":{"shape":"SL","location":"header","locationName":"X-Names"},
    "Doc":{"shape":"Doc","location":"header","locationName":"X-Doc","jsonvalue":true},
    "Meta":{"shape":"SM","location":"headers","locationName":"x-meta-"},
    "Body":{"shape":"Inner","locationName":"body"},
    "Ratio":{"shape":"D"}}},
  "PutOut":{"type":"structure","members":{
    "Status":{"shape":"I","location":"statusCode"},
    "When":{"shape":"T","location":"header","locationName":"X-When"},
    "Epoch":{"shape":"T","location":"header","locationName":"X-Epoch",
             "timestampFormat":"unixTimestamp"},
    "Names":{"shape":"SL","location":"header","locationName":"X-Names"},
    "Meta":{"shape":"SM","location":"headers","locationName":"x-meta-"},
    "Inner":{"shape":"Inner"}, "Iso":{"shape":"T","timestampFormat":"iso8601"}}},
  "TagIn":{"type":"structure","members":{
    "Bucket":{"shape":"S","location":"uri","locationName":"Bucket"},
    "Key":{"shape":"S","location":"uri","locationName":"Key"}}},
  "BlobIn":{"type":"structure","payload":"Data","members":{
    "Id":{"shape":"S","location":"uri","locationName":"Id"},"Data":{"shape":"Bl"}}},
  "BlobOut":{"type":"structure","payload":"Data","members":{"Data":{"shape":"Bl"}}}}})";

class RestJsonTest : public ::testing::Test {
 protected:
  RestJsonTest() : model_(ServiceModel::Parse(kModel)) {}
  Result<DecodedCall, AwsError> Decode(HttpRequest r) {
    return CodecFor(*model_).Decode(*model_, r);
  }
  std::unique_ptr<ServiceModel> model_;
};

TEST_F(RestJsonTest, DecodesEveryLocation) {
  ASSERT_NE(model_, nullptr);
  HttpRequest r =
      testing::MakeRequest("PUT", "/v1/my%20bucket/a/b%2Fc/d.txt",
                           "id=1&id=2&flag=true&since=2024-05-17T08%3A30%3A15Z&color=red&size=9",
                           R"({"body":{"N":3,"When":1715934615},"Ratio":0.5})");
  r.headers.Add("X-When", "Fri, 17 May 2024 08:30:15 GMT");
  r.headers.Add("X-Names", R"(a, "b,c", "d\"e")");
  r.headers.Add("X-Doc", "eyJrIjpbMSwyXX0=");  // {"k":[1,2]}
  r.headers.Add("X-Meta-Owner", "me");
  r.headers.Add("x-meta-tier", "gold");
  auto d = Decode(r);
  ASSERT_TRUE(d.ok()) << d.error().code << d.error().message;
  EXPECT_EQ(d->operation->name(), "PutObj");
  Value want = {{"Bucket", "my bucket"},
                {"Key", "a/b/c/d.txt"},
                {"Ids", {1, 2}},
                {"Flag", true},
                {"Since", 1715934615.0},
                {"Extra", {{"color", "red"}, {"size", "9"}}},
                {"When", 1715934615.0},
                {"Names", {"a", "b,c", "d\"e"}},
                {"Doc", {{"k", {1, 2}}}},
                {"Meta", {{"Owner", "me"}, {"tier", "gold"}}},
                {"Body", {{"N", 3}, {"When", 1715934615}}},
                {"Ratio", 0.5}};
  EXPECT_EQ(d->input, want) << d->input.dump();
}

TEST_F(RestJsonTest, MostSpecificMatchWins) {
  auto d = Decode(testing::MakeRequest("PUT", "/v1/b/k", "tagging"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->operation->name(), "PutTagging");
  d = Decode(testing::MakeRequest("PUT", "/v1/b/k"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->operation->name(), "PutObj");
}

TEST_F(RestJsonTest, UnknownRouteAndBadValues) {
  auto d = Decode(testing::MakeRequest("GET", "/v1/b/k"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "UnknownOperationException");
  EXPECT_EQ(d.error().http_status, 404);
  EXPECT_FALSE(Decode(testing::MakeRequest("PUT", "/v1/b")).ok());
  EXPECT_EQ(Decode(testing::MakeRequest("PUT", "/v1/b/k", "id=x")).error().code,
            "SerializationException");
  EXPECT_EQ(Decode(testing::MakeRequest("PUT", "/v1/b/k", "", "{oops")).error().code,
            "SerializationException");
  EXPECT_EQ(Decode(testing::MakeRequest("PUT", "/v1/b/k", "", R"({"Ratio":"x"})")).error().code,
            "SerializationException");
  HttpRequest r = testing::MakeRequest("PUT", "/v1/b/k");
  r.headers.Add("X-Doc", "not base64!");
  EXPECT_EQ(Decode(r).error().code, "SerializationException");
}

TEST_F(RestJsonTest, RawBlobPayload) {
  std::string bytes("\x00\x01\xff", 3);
  auto d = Decode(testing::MakeRequest("POST", "/v1/blob/x", "", bytes));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->input["Data"].get_binary(), std::vector<uint8_t>({0, 1, 255}));
  EXPECT_EQ(d->input["Id"], "x");
}

TEST_F(RestJsonTest, EncodesLocations) {
  CallContext call;
  call.request_id = "rid";
  HttpResponse resp;
  Value out = {{"Status", 202},         {"When", 1715934615},        {"Epoch", 1715934615.5},
               {"Names", {"a", "b,c"}}, {"Meta", {{"Owner", "me"}}}, {"Iso", 1715934615},
               {"Inner", {{"N", 1}}}};
  const OperationModel* op = model_->FindOperation("PutObj");
  CodecFor(*model_).EncodeResult(*model_, *op, out, call, resp);
  EXPECT_EQ(resp.status, 202);
  EXPECT_EQ(resp.headers.Get("X-When"), "Fri, 17 May 2024 08:30:15 GMT");
  EXPECT_EQ(resp.headers.Get("X-Epoch"), "1715934615.5");
  EXPECT_EQ(resp.headers.Get("X-Names"), "a,\"b,c\"");
  EXPECT_EQ(resp.headers.Get("x-meta-Owner"), "me");
  EXPECT_EQ(resp.headers.Get("x-amzn-RequestId"), "rid");
  EXPECT_EQ(resp.body, R"({"Inner":{"N":1},"Iso":"2024-05-17T08:30:15Z"})");

  const OperationModel* blob = model_->FindOperation("Blob");
  resp = HttpResponse();
  CodecFor(*model_).EncodeResult(*model_, *blob, {{"Data", Value::binary({0, 255})}}, call, resp);
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, std::string("\x00\xff", 2));
  EXPECT_EQ(resp.headers.Get("Content-Type"), "application/octet-stream");
}

TEST(LambdaRestJson, ErrorsAndInvoke) {
  const ServiceModel* m = FindServiceModel("lambda");
  auto d = CodecFor(*m).Decode(
      *m, testing::MakeRequest("POST", "/2015-03-31/functions", "", "{not json"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "InvalidRequestContentException");
  EXPECT_EQ(d.error().message.rfind("Could not parse request body into json: ", 0), 0u);
  d = CodecFor(*m).Decode(*m, testing::MakeRequest("POST", "/2015-03-31/functions", "", "{}"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "ValidationException");
  d = CodecFor(*m).Decode(*m,
                          testing::MakeRequest("GET", "/2015-03-31/functions/fn/configuration"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->operation->name(), "GetFunctionConfiguration");

  CallContext call;
  call.request_id = "rid";
  HttpResponse resp;
  AwsError e("TooManyRequestsException", "Rate exceeded", 429);
  e.fields = {{"Reason", "CallerRateLimitExceeded"}};
  e.headers.emplace_back("Retry-After", "1");
  CodecFor(*m).EncodeError(*m, e, call, resp);
  EXPECT_EQ(resp.status, 429);
  EXPECT_EQ(resp.headers.Get("x-amzn-ErrorType"), "TooManyRequestsException");
  EXPECT_EQ(resp.headers.Get("Retry-After"), "1");
  EXPECT_EQ(resp.body,
            R"({"Type":"User","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"})");
  CodecFor(*m).EncodeError(*m, AwsError("ServiceException", "x", 500, false), call, resp);
  EXPECT_EQ(resp.body, R"({"Type":"Service","message":"x"})");

  const OperationModel* invoke = m->FindOperation("Invoke");
  CodecFor(*m).EncodeResult(
      *m, *invoke,
      {{"StatusCode", 200}, {"FunctionError", "Unhandled"}, {"Payload", Value::binary({'{', '}'})}},
      call, resp);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.headers.Get("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(resp.body, "{}");
}

}  // namespace
}  // namespace nimbus
