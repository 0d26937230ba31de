#include <gtest/gtest.h>

#include "services/lambda/control/names.h"
#include "services/lambda/control/validation.h"

namespace nimbus::lambda {
namespace {

TEST(Names, ParsesNamePartialAndFullArnsWithQualifiers) {
  auto a = ParseFunctionRef("my-fn");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->name, "my-fn");
  EXPECT_EQ(a->qualifier, "");
  auto b = ParseFunctionRef("123456789012:function:my-fn:live");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->account, "123456789012");
  EXPECT_EQ(b->qualifier, "live");
  auto c = ParseFunctionRef("arn:aws:lambda:eu-west-1:123456789012:function:f_1:$LATEST");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->name, "f_1");
  EXPECT_EQ(c->qualifier, "$LATEST");
  auto d = ParseFunctionRef("fn:7");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->qualifier, "7");
}

TEST(Names, RejectsMalformedNamesWithValidationException) {
  for (const char* bad :
       {"", "bad name", "a:b:c", "arn:aws:s3:::bucket", "arn:aws:lambda:us-east-1:12345:function:f",
        "f:", "f:bad!", "arn:aws:lambda:us-east-1:123456789012:layer:f"}) {
    auto r = ParseFunctionRef(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "ValidationException") << bad;
    EXPECT_NE(r.error().message.find("at 'functionName' failed to satisfy constraint"),
              std::string::npos);
  }
  EXPECT_FALSE(ParseFunctionRef(std::string(65, 'a')).ok());
  EXPECT_FALSE(ParseFunctionRef("f:1", /*allow_qualifier=*/false).ok());
}

TEST(Names, QualifierMismatchAndForeignAccount) {
  auto r = ResolveFunctionRef("f:1", "2", "123456789012", "us-east-1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValueException");
  auto same = ResolveFunctionRef("f:1", "1", "123456789012", "us-east-1");
  ASSERT_TRUE(same.ok());
  auto other = ResolveFunctionRef("arn:aws:lambda:us-east-1:999999999999:function:f", "",
                                  "123456789012", "us-east-1");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, "ResourceNotFoundException");
  EXPECT_EQ(other.error().http_status, 404);
}

TEST(Names, VersionsAliasesAndLayerArns) {
  EXPECT_TRUE(IsVersionNumber("12"));
  EXPECT_FALSE(IsVersionNumber("012"));
  EXPECT_FALSE(IsVersionNumber("$LATEST"));
  EXPECT_TRUE(IsValidAliasName("live-1"));
  EXPECT_FALSE(IsValidAliasName("123"));
  auto l = ParseLayerVersionArn("arn:aws:lambda:us-east-1:123456789012:layer:deps:3");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->name, "deps");
  EXPECT_EQ(l->version, 3);
  EXPECT_FALSE(ParseLayerVersionArn("arn:aws:lambda:us-east-1:123456789012:layer:deps").ok());
  EXPECT_EQ(FunctionArn("us-east-1", "1", "f"), "arn:aws:lambda:us-east-1:1:function:f");
}

TEST(Validation, Runtimes) {
  EXPECT_FALSE(CheckRuntime("provided.al2023"));
  EXPECT_FALSE(CheckRuntime("python3.12"));
  EXPECT_FALSE(CheckRuntime("nodejs20.x"));
  auto unknown = CheckRuntime("python9");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->code, "InvalidParameterValueException");
  EXPECT_NE(unknown->message.find("Value python9 at 'runtime' failed to satisfy constraint"),
            std::string::npos);
  auto old = CheckRuntime("python2.7");
  ASSERT_TRUE(old);
  EXPECT_NE(old->message.find("no longer supported"), std::string::npos);
  EXPECT_TRUE(CheckRuntime("java21"));
}

TEST(Validation, ArchitecturesRoleEnvironment) {
  EXPECT_FALSE(CheckArchitectures(Value::array({std::string(HostArchitecture())})));
  auto other =
      CheckArchitectures(Value::array({HostArchitecture() == "x86_64" ? "arm64" : "x86_64"}));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->code, "InvalidParameterValueException");
  EXPECT_EQ(CheckArchitectures(Value::array({"mips"}))->code, "ValidationException");
  EXPECT_FALSE(CheckRole("arn:aws:iam::123456789012:role/service-role/x"));
  EXPECT_EQ(CheckRole("not-a-role")->code, "ValidationException");
  EXPECT_FALSE(CheckEnvironment(Value{{"A_B", "1"}}));
  EXPECT_EQ(CheckEnvironment(Value{{"AWS_REGION", "x"}})->code, "InvalidParameterValueException");
  EXPECT_EQ(CheckEnvironment(Value{{"1bad", "x"}})->code, "ValidationException");
  auto big = CheckEnvironment(Value{{"BIG", std::string(5000, 'x')}});
  ASSERT_TRUE(big);
  EXPECT_NE(big->message.find("exceeded the 4KB limit"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::lambda
