#include <gtest/gtest.h>

#include <string>

#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/sigv4_parse.h"
#include "auth/sigv4_sign.h"
#include "core/ids.h"

namespace nimbus::auth {
namespace {

constexpr char kGood[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, "
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

TEST(ParseAuthorizationHeader, FastPathViews) {
  auto h = ParseAuthorizationHeader(kGood);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->scope.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(h->scope.date, "20150830");
  EXPECT_EQ(h->scope.region, "us-east-1");
  EXPECT_EQ(h->scope.service, "iam");
  EXPECT_EQ(h->signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(h->signature.size(), 64u);
  // Views point into the input: no copies.
  std::string_view in(kGood);
  EXPECT_GE(h->scope.region.data(), in.data());
  EXPECT_LE(h->scope.region.data(), in.data() + in.size());
}

TEST(ParseAuthorizationHeader, ToleratesSpacingAndOrder) {
  auto h = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256   Signature=ab,SignedHeaders=host ,  Credential=K/20150830/r/s/"
      "aws4_request");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->scope.service, "s");
  EXPECT_EQ(h->signature, "ab");
}

struct Malformed {
  const char* header;
  const char* message_prefix;
};

TEST(ParseAuthorizationHeader, MalformedHeadersAreIncompleteSignature) {
  const Malformed cases[] = {
      {"",
       "Authorization header requires 'Credential' parameter. Authorization header requires "
       "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
      {"Bearer abc", "Authorization header requires 'Credential' parameter."},
      {"AWS4-HMAC-SHA256", "Authorization header requires 'Credential' parameter."},
      {"AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request",
       "Authorization header requires 'Signature' parameter. Authorization header requires "
       "'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential="},
      {"AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, "
       "Signature",
       "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with "
       "SHA-256 and encoded with Base64): '"},
      {"AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1, SignedHeaders=host, Signature=x",
       "Credential must have exactly 5 slash-delimited elements, e.g. "
       "keyid/date/region/service/term, got 'A/20150830/us-east-1'"},
      {"AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request/x, SignedHeaders=h, "
       "Signature=x",
       "Credential must have exactly 5 slash-delimited elements"},
      {"AWS4-HMAC-SHA256 Credential=A//us-east-1/iam/aws4_request, SignedHeaders=h, Signature=x",
       "Credential must have exactly 5 slash-delimited elements"},
      {"AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws5, SignedHeaders=h, Signature=x",
       "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5'."},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.header);
    auto h = ParseAuthorizationHeader(c.header);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.error().kind, AuthFailureKind::kIncompleteSignature);
    EXPECT_TRUE(h.error().message.starts_with(c.message_prefix)) << h.error().message;
    AwsError e = AuthErrorFor(h.error(), "json");
    EXPECT_EQ(e.code, "IncompleteSignatureException");
    EXPECT_EQ(e.http_status, 400);
    EXPECT_EQ(AuthErrorFor(h.error(), "query").code, "IncompleteSignature");
  }
}

TEST(ParseSigV4, MissingDateIsReported) {
  HttpRequest r;
  r.headers.Add("Authorization", "Bearer x");
  auto p = ParseSigV4(r);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header. Authorization=Bearer x");
  r.headers.Set("Authorization", kGood);
  p = ParseSigV4(r);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.error().message.starts_with(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."));
  r.headers.Set("X-Amz-Date", "2015-08-30T12:36:00Z");
  p = ParseSigV4(r);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST(ParseSigV4, PresignedValidation) {
  HttpRequest r;
  r.query = "X-Amz-Credential=A%2F20150830%2Fus-east-1%2Fsts%2Faws4_request";
  auto p = ParseSigV4(r);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Signature', "
            "'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
  r.query +=
      "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab&X-Amz-Date=20150830T123600Z"
      "&X-Amz-SignedHeaders=host&X-Amz-Expires=604801";
  p = ParseSigV4(r);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  r.query.replace(r.query.size() - 6, 6, "-5");
  EXPECT_FALSE(ParseSigV4(r).ok());
  r.query.replace(r.query.size() - 2, 2, "900");
  p = ParseSigV4(r);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->expires_seconds, 900);
  EXPECT_EQ(p->service, "sts");
  EXPECT_TRUE(p->presigned);
}

TEST(ParseAmzDate, StrictShape) {
  EXPECT_TRUE(ParseAmzDate("20150830T123600Z").has_value());
  EXPECT_TRUE(ParseAmzDate("20160229T000000Z").has_value());
  EXPECT_FALSE(ParseAmzDate("20150229T000000Z").has_value());
  EXPECT_FALSE(ParseAmzDate("20151330T000000Z").has_value());
  EXPECT_FALSE(ParseAmzDate("20150830T246000Z").has_value());
  EXPECT_FALSE(ParseAmzDate("20150830T123600").has_value());
  EXPECT_FALSE(ParseAmzDate("20150830t123600Z").has_value());
  EXPECT_EQ(Rfc1123ToAmzDate("Sun, 30 Aug 2015 12:36:00 GMT"), "20150830T123600Z");
  EXPECT_FALSE(Rfc1123ToAmzDate("Sun, 30 Foo 2015 12:36:00 GMT").has_value());
  EXPECT_FALSE(Rfc1123ToAmzDate("garbage").has_value());
}

TEST(CanonicalPath, BotocoreRules) {
  EXPECT_EQ(CanonicalPath("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations", false),
            "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations");
  EXPECT_EQ(CanonicalPath("/bucket/a%3Ab", true), "/bucket/a%3Ab");
  EXPECT_EQ(CanonicalPath("//example//", false), "/example/");
  EXPECT_EQ(CanonicalPath("/a/./b/../c", false), "/a/c");
  EXPECT_EQ(CanonicalPath("", false), "/");
  EXPECT_EQ(CanonicalPath("/..", false), "/");
  EXPECT_EQ(CanonicalPath("/~user/a b", false), "/~user/a%20b");
}

TEST(CanonicalQuery, SortsAndReencodes) {
  EXPECT_EQ(CanonicalQuery("b=2&a=%7e&a=1&c", false), "a=1&a=~&b=2&c=");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=abc&x=a%2fb", true), "x=a%2Fb");
  EXPECT_EQ(CanonicalQuery("&&", false), "");
  EXPECT_EQ(CanonicalQueryAsSent("b=2&a=%7e", false), "a=%7e&b=2");
}

TEST(CanonicalHeaders, TrimsCollapsesAndJoins) {
  HttpHeaders h;
  h.Add("My-Header1", "  a   b\t c ");
  h.Add("my-header1", "d");
  h.Add("Host", "example.com");
  EXPECT_EQ(CanonicalHeaders(h, "host;my-header1;missing"),
            "host:example.com\nmy-header1:a b c,d\nmissing:\n");
}

TEST(Robustness, RandomInputsNeverCrash) {
  SeededRandom rng(42);
  const std::string alphabet = "AWS4-HMAC-SHA256 Credential=/,;=SignedHeaders Signature%&aZ09\t";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    size_t len = rng.Next() % 120;
    for (size_t j = 0; j < len; ++j) {
      uint64_t x = rng.Next();
      s.push_back(x % 4 == 0 ? static_cast<char>(x >> 8) : alphabet[(x >> 8) % alphabet.size()]);
    }
    (void)ParseAuthorizationHeader(s);
    HttpRequest r;
    r.method = "GET";
    r.path = s;
    r.query = "X-Amz-Algorithm=" + s + "&X-Amz-Credential=" + s;
    r.headers.Add("X-Amz-Date", s);
    (void)ParseSigV4(r);
    r.headers.Add("Authorization", s);
    (void)ParseSigV4(r);
    (void)CanonicalPath(s, false);
    (void)CanonicalQuery(s, true);
    (void)CanonicalQueryAsSent(s, true);
    (void)SplitCredential(s);
    (void)ParseAmzDate(s);
    (void)Rfc1123ToAmzDate(s);
    (void)AccountForAccessKey(s);
  }
}

TEST(Credentials, ParsesFileFormat) {
  auto t = ParseCredentials(
      "# comment\n\nAKID1 secret1 111111111111\n  AKID2\tsecret/2+x 222222222222  # trailing\n",
      "creds");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->size(), 2u);
  ASSERT_NE(t->Find("AKID2"), nullptr);
  EXPECT_EQ(t->Find("AKID2")->secret_access_key, "secret/2+x");
  EXPECT_EQ(t->Find("AKID2")->account_id, "222222222222");
  EXPECT_EQ(t->Find("AKID3"), nullptr);
}

TEST(Credentials, ReportsMalformedLinesWithNumbers) {
  auto t = ParseCredentials("A s 111111111111\nB s\nC s 12345\nA s 111111111111\n", "f.txt");
  ASSERT_FALSE(t.ok());
  const std::string& m = t.error().message();
  EXPECT_NE(m.find("f.txt:2: expected 'ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID', got 2"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("f.txt:3: account id must be 12 digits, got '12345'"), std::string::npos);
  EXPECT_NE(m.find("f.txt:4: duplicate access key id A"), std::string::npos);
  EXPECT_EQ(m.find("f.txt:1:"), std::string::npos);
}

TEST(Credentials, MissingFileIsIoError) {
  auto t = LoadCredentialsFile("/nonexistent/creds");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace nimbus::auth
