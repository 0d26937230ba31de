#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include <chrono>

#include "auth/sigv4_sign.h"

namespace nimbus::auth {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::chrono::system_clock::time_point T0() { return *ParseAmzDate("20150830T123600Z"); }

HttpRequest SignedPost(std::string service = "lambda", std::string amz_date = "20150830T123600Z",
                       std::string secret = kSecret, std::string akid = kAkid) {
  HttpRequest r;
  r.method = "POST";
  r.path =
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/"
      "invocations";
  r.target = r.path;
  r.headers.Add("Host", "localhost:4566");
  r.headers.Add("Content-Type", "application/json");
  r.body = R"({"hello":"world"})";
  SignRequest(r, {akid, secret, "eu-west-1", service, amz_date, ""});
  return r;
}

Authenticator StrictAt(const Clock& clock) {
  CredentialsTable table;
  EXPECT_TRUE(table.Add({kAkid, kSecret, "111122223333"}).ok());
  return Authenticator::Strict(std::move(table), clock);
}

TEST(OpenMode, TakesScopeFromHeaderWithoutVerifying) {
  FakeClock clock(T0() + std::chrono::hours(24 * 365));  // skew is ignored in open mode
  Authenticator auth = Authenticator::Open(clock);
  auto ctx = auth.Authenticate(SignedPost("lambda", "20150830T123600Z", "wrong-secret"));
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->account_id, "000000000000");
  EXPECT_EQ(ctx->access_key_id, kAkid);
  EXPECT_EQ(ctx->region, "eu-west-1");
  EXPECT_EQ(ctx->service, "lambda");
}

TEST(OpenMode, TwelveDigitKeyIsTheAccount) {
  Authenticator auth = Authenticator::Open();
  auto ctx = auth.Authenticate(SignedPost("sts", "20150830T123600Z", "x", "123456789012"));
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->account_id, "123456789012");
}

TEST(OpenMode, AnonymousAndNonSigV4SchemesUseDefaults) {
  Authenticator auth = Authenticator::Open();
  HttpRequest r;
  r.method = "GET";
  r.path = "/v2/";
  auto ctx = auth.Authenticate(r);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->account_id, "000000000000");
  EXPECT_EQ(ctx->region, "us-east-1");
  EXPECT_TRUE(ctx->access_key_id.empty());
  r.headers.Add("Authorization", "Bearer abc");
  EXPECT_TRUE(auth.Authenticate(r).ok());
}

TEST(OpenMode, PresignedQueryGivesScope) {
  Authenticator auth = Authenticator::Open();
  HttpRequest r;
  r.method = "GET";
  r.path = "/";
  r.query = "Action=GetCallerIdentity&Version=2011-06-15";
  r.headers.Add("Host", "localhost:4566");
  PresignRequest(r, {"123456789012", "s", "ap-south-1", "sts", "20150830T123600Z", ""}, 60);
  auto ctx = auth.Authenticate(r);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->account_id, "123456789012");
  EXPECT_EQ(ctx->region, "ap-south-1");
  EXPECT_EQ(ctx->service, "sts");
  EXPECT_TRUE(ctx->presigned);
}

TEST(OpenMode, MalformedSigV4HeaderFails) {
  Authenticator auth = Authenticator::Open();
  HttpRequest r;
  r.headers.Add("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1");
  auto ctx = auth.Authenticate(r);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().kind, AuthFailureKind::kIncompleteSignature);
}

TEST(AccountForAccessKey, Conventions) {
  EXPECT_EQ(AccountForAccessKey("123456789012"), "123456789012");
  EXPECT_EQ(AccountForAccessKey("12345678901"), "000000000000");
  EXPECT_EQ(AccountForAccessKey("AKIAIOSFODNN7EXAMPLE"), "000000000000");
  EXPECT_EQ(AccountForAccessKey("test"), "000000000000");
  // AWS key-id layout (awsteele.com/blog/2020/09/26): ASIAY34FZKBOKMUTVV7A is account
  // 609629065308; LocalStack decodes the same layout under the LSIA prefix.
  EXPECT_EQ(AccountForAccessKey("LSIAY34FZKBOKMUTVV7A"), "609629065308");
  EXPECT_EQ(AccountForAccessKey("LSIA!!!!!!!!!!!!!!!!"), "000000000000");
}

TEST(StrictMode, AcceptsValidSignature) {
  FakeClock clock(T0() + minutes(14));
  auto ctx = StrictAt(clock).Authenticate(SignedPost());
  ASSERT_TRUE(ctx.ok()) << ctx.error().canonical_request;
  EXPECT_EQ(ctx->account_id, "111122223333");
  EXPECT_EQ(ctx->region, "eu-west-1");
}

TEST(StrictMode, WrongSecretIsSignatureMismatch) {
  FakeClock clock(T0());
  auto ctx = StrictAt(clock).Authenticate(SignedPost("lambda", "20150830T123600Z", "bad"));
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().kind, AuthFailureKind::kSignatureMismatch);
  EXPECT_FALSE(ctx.error().canonical_request.empty());
  AwsError json = AuthErrorFor(ctx.error(), "rest-json");
  EXPECT_EQ(json.code, "InvalidSignatureException");
  EXPECT_EQ(json.http_status, 403);
  EXPECT_EQ(json.message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.");
  EXPECT_EQ(AuthErrorFor(ctx.error(), "query").code, "SignatureDoesNotMatch");
}

TEST(StrictMode, UnknownKey) {
  FakeClock clock(T0());
  auto ctx = StrictAt(clock).Authenticate(SignedPost("sts", "20150830T123600Z", kSecret, "AKIAX"));
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().kind, AuthFailureKind::kUnknownAccessKey);
  AwsError q = AuthErrorFor(ctx.error(), "query");
  EXPECT_EQ(q.code, "InvalidClientTokenId");
  EXPECT_EQ(q.message, "The security token included in the request is invalid.");
  EXPECT_EQ(q.http_status, 403);
  EXPECT_EQ(AuthErrorFor(ctx.error(), "json").code, "UnrecognizedClientException");
}

TEST(StrictMode, ResolverSuppliesTemporaryCredentials) {
  FakeClock clock(T0());
  auto resolver = [](std::string_view key) -> std::optional<Credential> {
    if (key != "ASIATEMP") return std::nullopt;
    return Credential{"ASIATEMP", "temp-secret", "444455556666"};
  };
  Authenticator auth = Authenticator::Strict(CredentialsTable(), clock, resolver);
  auto ctx = auth.Authenticate(SignedPost("sts", "20150830T123600Z", "temp-secret", "ASIATEMP"));
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->account_id, "444455556666");
}

TEST(StrictMode, MissingAuthentication) {
  FakeClock clock(T0());
  HttpRequest r;
  r.method = "GET";
  r.path = "/";
  auto ctx = StrictAt(clock).Authenticate(r);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().kind, AuthFailureKind::kMissingAuthentication);
  AwsError q = AuthErrorFor(ctx.error(), "query");
  EXPECT_EQ(q.code, "MissingAuthenticationToken");
  EXPECT_EQ(q.message, "Request is missing Authentication Token");
  AwsError j = AuthErrorFor(ctx.error(), "rest-json");
  EXPECT_EQ(j.code, "MissingAuthenticationTokenException");
  EXPECT_EQ(j.message, "Missing Authentication Token");
  EXPECT_EQ(j.http_status, 403);
}

TEST(StrictMode, SkewTooOld) {
  FakeClock clock(T0() + minutes(25));
  auto ctx = StrictAt(clock).Authenticate(SignedPost());
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().kind, AuthFailureKind::kSignatureExpired);
  AwsError e = AuthErrorFor(ctx.error(), "query");
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z "
            "(20150830T130100Z - 15 min.)");
  EXPECT_EQ(AuthErrorFor(ctx.error(), "json").code, "InvalidSignatureException");
}

TEST(StrictMode, SkewInFuture) {
  FakeClock clock(T0() - minutes(16));
  auto ctx = StrictAt(clock).Authenticate(SignedPost());
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().kind, AuthFailureKind::kSignatureNotYetCurrent);
  EXPECT_EQ(ctx.error().message,
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z "
            "(20150830T122000Z + 15 min.)");
}

TEST(StrictMode, DatesBeyondNanosecondClocksAreStillJudged) {
  // system_clock's nanoseconds end in 2262: a date past it used to overflow into the past.
  FakeClock clock(T0());
  for (const char* date : {"22630101T000000Z", "99991231T235959Z"}) {
    auto ctx = StrictAt(clock).Authenticate(SignedPost("lambda", date));
    ASSERT_FALSE(ctx.ok()) << date;
    EXPECT_EQ(ctx.error().kind, AuthFailureKind::kSignatureNotYetCurrent) << date;
  }
  auto old = StrictAt(clock).Authenticate(SignedPost("lambda", "00010101T000000Z"));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().kind, AuthFailureKind::kSignatureExpired);
}

TEST(StrictMode, SkewBoundaryIsInclusive) {
  FakeClock clock(T0() + minutes(15));
  EXPECT_TRUE(StrictAt(clock).Authenticate(SignedPost()).ok());
  clock.Advance(seconds(1));
  EXPECT_FALSE(StrictAt(clock).Authenticate(SignedPost()).ok());
}

HttpRequest Presigned(int64_t expires) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/";
  r.query = "Action=GetCallerIdentity&Version=2011-06-15";
  r.headers.Add("Host", "localhost:4566");
  PresignRequest(r, {kAkid, kSecret, "us-east-1", "sts", "20150830T123600Z", "tok/+="}, expires);
  return r;
}

TEST(StrictMode, PresignedValidUntilExpiry) {
  FakeClock clock(T0() + seconds(3600));
  Authenticator auth = StrictAt(clock);
  auto ctx = auth.Authenticate(Presigned(3600));
  ASSERT_TRUE(ctx.ok()) << ctx.error().canonical_request;
  EXPECT_TRUE(ctx->presigned);
  clock.Advance(seconds(1));
  auto expired = auth.Authenticate(Presigned(3600));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().kind, AuthFailureKind::kSignatureExpired);
  EXPECT_EQ(expired.error().message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
            "(20150830T133601Z - 60 min.)");
}

TEST(StrictMode, PresignedTamperedQueryFails) {
  FakeClock clock(T0());
  HttpRequest r = Presigned(60);
  r.query.replace(r.query.find("GetCallerIdentity"), 17, "AssumeRoleXXXXXXX");
  auto ctx = StrictAt(clock).Authenticate(r);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().kind, AuthFailureKind::kSignatureMismatch);
}

TEST(StrictMode, ScopeDateMustMatchAmzDate) {
  FakeClock clock(T0());
  HttpRequest r = SignedPost();
  r.headers.Set("X-Amz-Date", "20150830T123601Z");  // also breaks the signature
  std::string a(r.headers.Get("Authorization"));
  a.replace(a.find("/20150830/"), 10, "/20150831/");
  r.headers.Set("Authorization", a);
  auto ctx = StrictAt(clock).Authenticate(r);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20150831' != '20150830', from '20150830T123601Z'.");
}

TEST(StrictMode, DateHeaderInsteadOfXAmzDate) {
  // botocore signs with the Date header when the request has one (no X-Amz-Date then).
  FakeClock clock(T0());
  HttpRequest r;
  r.method = "GET";
  r.path = "/";
  r.headers.Add("Host", "localhost:4566");
  r.headers.Add("Date", "Sun, 30 Aug 2015 12:36:00 GMT");
  std::string cr = CanonicalRequest("GET", "/", "", CanonicalHeaders(r.headers, "date;host"),
                                    "date;host", kEmptyPayloadSha256);
  std::string sts = StringToSign("20150830T123600Z", "20150830", "us-east-1", "sns", cr);
  std::string sig = SignatureHex(DeriveSigningKey(kSecret, "20150830", "us-east-1", "sns"), sts);
  r.headers.Add("Authorization", std::string("AWS4-HMAC-SHA256 Credential=") + kAkid +
                                     "/20150830/us-east-1/sns/aws4_request, "
                                     "SignedHeaders=date;host, Signature=" +
                                     sig);
  auto ctx = StrictAt(clock).Authenticate(r);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(ctx->service, "sns");
}

}  // namespace
}  // namespace nimbus::auth
