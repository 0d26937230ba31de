// The service kit: ARNs and input accessors every service uses.
#include <gtest/gtest.h>

#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/kit/scoped_key.h"

namespace nimbus {
namespace {

TEST(ArnTest, BuildsAndParsesBack) {
  Scope scope{"123456789012", "eu-west-1"};
  std::string arn = MakeArn("logs", scope, "log-group:/aws/lambda/f:*");
  EXPECT_EQ(arn, "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f:*");
  auto parsed = ParseArn(arn);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->partition, "aws");
  EXPECT_EQ(parsed->service, "logs");
  EXPECT_EQ(parsed->scope, scope);
  EXPECT_EQ(parsed->resource, "log-group:/aws/lambda/f:*");
  EXPECT_EQ(MakeArn("iam", Scope{"123456789012", ""}, "root"), "arn:aws:iam::123456789012:root");
  EXPECT_EQ(ParseArn("arn:aws:iam::123456789012:root")->scope.region, "");
}

TEST(ArnTest, RefusesWhatIsNotAnArn) {
  for (const char* bad : {"", "arn:", "arn:aws:ecr:r:a", "arn:aws:ecr:r:a:", "arn::ecr:r:a:x",
                          "arn:aws::r:a:x", "nra:aws:ecr:r:a:x", "repository/x"}) {
    EXPECT_FALSE(ParseArn(bad)) << bad;
  }
}

TEST(InputTest, TypedAccessorsNeverThrow) {
  Value in = {{"s", "x"}, {"i", 7}, {"f", 2.0}, {"h", 2.5}, {"b", true}, {"n", nullptr}};
  EXPECT_EQ(Str(in, "s"), "x");
  EXPECT_EQ(Str(in, "i", "def"), "def");
  EXPECT_EQ(OptInt(in, "i"), 7);
  EXPECT_EQ(OptInt(in, "f"), 2);
  EXPECT_EQ(OptInt(in, "h"), std::nullopt);
  EXPECT_EQ(Int(in, "missing", 5), 5);
  EXPECT_TRUE(Bool(in, "b"));
  EXPECT_FALSE(Bool(in, "s"));
  EXPECT_EQ(OptStr(in, "n"), std::nullopt);
  EXPECT_EQ(Str(Value::array(), "s"), "");
  auto required = RequiredStr(in, "missing", "InvalidParameterException");
  ASSERT_FALSE(required.ok());
  EXPECT_EQ(required.error().code, "InvalidParameterException");
  EXPECT_EQ(required.error().message,
            "1 validation error detected: Value null at 'missing' failed to satisfy constraint: "
            "Member must not be null");
  EXPECT_EQ(*RequiredStr(in, "s", "ValidationException"), "x");
}

}  // namespace
}  // namespace nimbus

namespace nimbus {
namespace {

TEST(PaginationTest, TaggedAndOffsetTokensRoundTripAndRefuseOthers) {
  std::string t = EncodeTaggedToken("nimbus/groups/", "/aws/x");
  EXPECT_EQ(DecodeTaggedToken("nimbus/groups/", t), "/aws/x");
  EXPECT_FALSE(DecodeTaggedToken("nimbus/streams/", t));
  EXPECT_FALSE(DecodeTaggedToken("nimbus/groups/", "not base64!"));
  EXPECT_EQ(EncodeOffsetToken(42), "bzo0Mg==");  // base64("o:42"), as ECR has always sent
  EXPECT_EQ(DecodeOffsetToken(EncodeOffsetToken(42)), 42u);
  EXPECT_FALSE(DecodeOffsetToken(EncodeTaggedToken("o:", "")));
  EXPECT_FALSE(DecodeOffsetToken(EncodeTaggedToken("o:", "4x")));
  EXPECT_FALSE(DecodeOffsetToken(EncodeTaggedToken("o:", "99999999999")));
  EXPECT_FALSE(DecodeOffsetToken(t));
}

}  // namespace
}  // namespace nimbus

namespace nimbus {
namespace {

TEST(PaginationTest, KeyPagerWalksPagesAfterTheLastKeyReturned) {
  const std::vector<std::string> keys = {"a", "b", "c", "d", "e"};
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    KeyPager page("t/", token, 2);
    ASSERT_TRUE(page.valid());
    for (const std::string& k : keys) {
      KeyPager::Step step = page.Offer(k);
      if (step == KeyPager::kSkip) continue;
      if (step == KeyPager::kFull) break;
      seen.push_back(k);
    }
    token = page.next_token().value_or("");
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, keys);
  EXPECT_EQ(pages, 3);
  // A page that ends exactly with the list has no next token.
  KeyPager all("t/", "", 5);
  for (const std::string& k : keys) EXPECT_EQ(all.Offer(k), KeyPager::kTake);
  EXPECT_FALSE(all.next_token().has_value());
  EXPECT_FALSE(KeyPager("t/", "not a token", 2).valid());
  EXPECT_FALSE(KeyPager("t/", EncodeTaggedToken("other/", "a"), 2).valid());
}

TEST(ScopedKeyTest, KeepsAScopesKeysTogetherAndApart) {
  Scope a{"111111111111", "us-east-1"}, b{"111111111111", "us-east-10"};
  EXPECT_NE(ScopedKey(a, "x"), ScopedKey(b, "x"));
  EXPECT_TRUE(ScopedKey(a, "fn").starts_with(ScopedKey(a, "")));
  EXPECT_FALSE(ScopedKey(b, "fn").starts_with(ScopedKey(a, "")));
  EXPECT_LT(ScopedKey(a, "a"), ScopedKey(a, "b"));
}

TEST(ErrorsTest, StatusBecomesTheServicesCodes) {
  constexpr StatusErrorCodes kCodes = {"NotFoundX", "ExistsX", "InvalidX", "InternalX"};
  AwsError e = ToAwsError(Status::NotFound("no such thing"), kCodes);
  EXPECT_EQ(e.code, "NotFoundX");
  EXPECT_EQ(e.message, "no such thing");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(ToAwsError(Status::AlreadyExists("x"), kCodes).code, "ExistsX");
  EXPECT_EQ(ToAwsError(Status::InvalidArgument("x"), kCodes).code, "InvalidX");
  AwsError internal = ToAwsError(Status::Internal("disk"), kCodes);
  EXPECT_EQ(internal.code, "InternalX");
  EXPECT_EQ(internal.http_status, 500);
  EXPECT_FALSE(internal.sender_fault);
}

}  // namespace
}  // namespace nimbus
