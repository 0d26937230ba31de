#include "core/json_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus {
namespace {

TEST(ParseJson, ParsesWhatNlohmannParses) {
  EXPECT_EQ(ParseJson(R"({"a":[1,"x",null]})")["a"][1], "x");
  EXPECT_EQ(ParseJson(" 5 "), 5);
  EXPECT_TRUE(ParseJson("{").is_discarded());
  EXPECT_TRUE(ParseJson("{} x").is_discarded());
  EXPECT_TRUE(ParseJson("").is_discarded());
}

TEST(ParseJson, ANulByteAnywhereIsInvalid) {
  // nlohmann alone takes a raw NUL for the end of its input and accepts these.
  EXPECT_TRUE(ParseJson(std::string("{}\0trailing", 11)).is_discarded());
  EXPECT_TRUE(ParseJson(std::string("1\0", 2)).is_discarded());
  EXPECT_TRUE(ParseJson(std::string("\"a\0b\"", 5)).is_discarded());
  EXPECT_EQ(ParseJson(R"("a\u0000b")"), std::string("a\0b", 3));  // escaped, it is fine
}

}  // namespace
}  // namespace nimbus
