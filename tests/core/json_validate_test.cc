#include "core/json_validate.h"

#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nimbus {
namespace {

bool Reference(const std::string& s) { return nlohmann::json::accept(s); }

// nlohmann also rejects numbers a double cannot hold (out_of_range.406); JSON does not.
bool ReferenceIgnoringRange(const std::string& s) {
  try {
    auto doc = nlohmann::json::parse(s);
    return !doc.is_discarded();
  } catch (const nlohmann::json::out_of_range&) {
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

TEST(JsonValidateTest, AcceptsEveryKindOfValue) {
  for (const char* ok : {"{}", "[]", "0", "-0", "1.5e-3", "-12E+4", "true", "false", "null",
                         "\"\"", " \t\r\n{\"a\" : [1, {\"b\":null}, \"x\\u00e9\\ud83d\\ude00\"]} ",
                         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "[[[[]]]]",
                         "{\"k\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"}) {
    EXPECT_TRUE(IsValidJson(ok)) << ok;
    EXPECT_TRUE(Reference(ok)) << ok;
  }
}

TEST(JsonValidateTest, RejectsWhatParsersReject) {
  for (const char* bad :
       {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1",
        "tru", "nul", "[1 2]", "{\"a\" 1}", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"",
        "\"\\ude00\"", "\"\\ud83d\\u0041\"", "{} {}", "[]]", "\"\x01\"", "\"\xc0\xaf\"",
        "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "NaN", "[1,,2]",
        "{\"a\":}", "{,}"}) {
    EXPECT_FALSE(IsValidJson(bad)) << bad;
    EXPECT_FALSE(Reference(bad)) << bad;
  }
}

TEST(JsonValidateTest, DeepNestingNeedsNoStack) {
  std::string deep(1'000'000, '[');
  deep += std::string(1'000'000, ']');
  EXPECT_TRUE(IsValidJson(deep));
  deep.pop_back();
  EXPECT_FALSE(IsValidJson(deep));
}

TEST(JsonValidateTest, NumbersOfAnyMagnitude) {
  EXPECT_TRUE(IsValidJson("[1e400, -2.5e-999, 123456789012345678901234567890]"));
}

// Random mutations of valid documents: the validator agrees with nlohmann on every one.
TEST(JsonValidateTest, AgreesWithNlohmannOnMutations) {
  const std::string seeds[] = {
      R"({"input":"H4sIAAAAAAAA/8tIzcnJBwCGphA2BQAAAA==","n":[1,-2.5e3,true,false,null],"o":{}})",
      "[\"\\u00e9\xc3\xa9\",{\"a\":[{}],\"b\":\"\\ud83d\\ude00\"},0.25,-0]",
  };
  const std::string alphabet = "{}[]\",:\\-+.eE0123456789tfnu \x80\xc3\xa9\x01\xf0";
  std::mt19937 rng(42);
  int agreed = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string s = seeds[i % 2];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s.erase(at, 1); break;
        case 1: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: s[at] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    ASSERT_EQ(IsValidJson(s), ReferenceIgnoringRange(s)) << s;
    ++agreed;
  }
  EXPECT_EQ(agreed, 50000);
}

}  // namespace
}  // namespace nimbus

// Strings are skipped 8 bytes at a time: a special byte at any offset of a word must still be
// seen (quote, backslash escape, control character, UTF-8 lead and continuation bytes).
TEST(JsonValidateTest, SpecialBytesAtEveryOffsetOfLongStrings) {
  const std::string specials[] = {"\"",   "\\n",      "\\u00e9", std::string(1, '\x01'),
                                  "\x1f", "\xc3\xa9", "\xc3",    "\x80",
                                  "\xff", "\x7f",     " "};
  for (size_t before = 0; before < 20; ++before) {
    for (size_t after = 0; after < 12; ++after) {
      for (const std::string& special : specials) {
        std::string doc =
            "[\"" + std::string(before, 'a') + special + std::string(after, 'b') + "\"]";
        EXPECT_EQ(nimbus::IsValidJson(doc), nlohmann::json::accept(doc))
            << before << " " << after << " " << special;
      }
    }
  }
}
