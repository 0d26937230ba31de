// Internal codecs and the AWS error JSON shape.
#include "codec.h"

#include <gtest/gtest.h>

#include "nimbus/lambda/invocation.h"

namespace nimbus::lambda {
namespace {

TEST(CodecTest, Base64) {
  EXPECT_EQ(internal::base64_encode(""), "");
  EXPECT_EQ(internal::base64_encode("f"), "Zg==");
  EXPECT_EQ(internal::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(internal::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(internal::base64_encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(CodecTest, ErrorJsonEscapesAndRepairsUtf8) {
  EXPECT_EQ(error_json("a\"b\\c\x01", "T"),
            R"({"errorMessage":"a\"b\\c\u0001","errorType":"T","stackTrace":[]})");
  EXPECT_EQ(error_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "T"),
            "{\"errorMessage\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"errorType\":\"T\","
            "\"stackTrace\":[]}");
  // Lone continuation, overlong, surrogate, truncated sequences.
  EXPECT_EQ(
      error_json("\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82", "T"),
      R"({"errorMessage":"\ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd|\ufffd\ufffd","errorType":"T","stackTrace":[]})");
}

TEST(CodecTest, FailureResponse) {
  auto r = InvocationResponse::failure("m", "Bad\r\nType");
  EXPECT_FALSE(r.is_success());
  EXPECT_EQ(r.error_type(), "BadType");
  EXPECT_EQ(r.content_type(), "application/vnd.aws.lambda.error+json");
  auto s = InvocationResponse::success(std::string("\0\1", 2), "application/octet-stream");
  EXPECT_TRUE(s.is_success());
  EXPECT_EQ(s.payload().size(), 2u);
}

TEST(CodecTest, HeaderSafeAndPathEscape) {
  EXPECT_EQ(internal::header_safe("a\r\nb\tc"), "abc");
  EXPECT_EQ(internal::escape_path_segment("8476a536-e9f4-11e8-9739-2dfe598c3fcd"),
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
}

}  // namespace
}  // namespace nimbus::lambda
