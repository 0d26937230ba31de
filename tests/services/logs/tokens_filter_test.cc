#include <gtest/gtest.h>

#include "services/logs/filter_pattern.h"
#include "services/logs/tokens.h"

namespace nimbus::logs {
namespace {

TEST(StreamToken, RoundTripsAndLooksLikeAws) {
  std::string f = EncodeStreamToken(true, {1700000000123, 42});
  EXPECT_EQ(f.size(), 58u);
  EXPECT_EQ(f.substr(0, 2), "f/");
  auto d = DecodeStreamToken(f);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->forward);
  EXPECT_EQ(d->pos, (EventPos{1700000000123, 42}));
  auto b = DecodeStreamToken(EncodeStreamToken(false, {0, 0}));
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->forward);
  EXPECT_EQ(b->pos, (EventPos{0, 0}));
}

TEST(StreamToken, RejectsMalformed) {
  std::string good = EncodeStreamToken(true, {5, 6});
  EXPECT_FALSE(DecodeStreamToken(""));
  EXPECT_FALSE(DecodeStreamToken("f/123"));
  EXPECT_FALSE(DecodeStreamToken("x" + good.substr(1)));
  EXPECT_FALSE(DecodeStreamToken("f-" + good.substr(2)));
  std::string bad = good;
  bad[10] = 'a';
  EXPECT_FALSE(DecodeStreamToken(bad));
  EXPECT_FALSE(DecodeStreamToken(good + "0"));
  // 28 nines overflow int64.
  EXPECT_FALSE(DecodeStreamToken("f/" + std::string(28, '9') + std::string(28, '0')));
}

TEST(PageTokens, RoundTripAndKinds) {
  auto pos = DecodeFilterToken(EncodeFilterToken({123, 456}));
  ASSERT_TRUE(pos);
  EXPECT_EQ(*pos, (EventPos{123, 456}));
  EXPECT_FALSE(DecodeFilterToken("garbage!"));
  EXPECT_FALSE(DecodeFilterToken(EncodePageToken("groups", "abc")));
  EXPECT_FALSE(DecodeFilterToken(EncodePageToken("filter", "12")));
  EXPECT_FALSE(DecodeFilterToken(EncodePageToken("filter", "12:x")));
  auto s = DecodeStreamsToken(EncodeStreamsToken(77, "a/b:c"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, 77);
  EXPECT_EQ(s->second, "a/b:c");
  EXPECT_EQ(DecodePageToken("groups", EncodePageToken("groups", "/aws/x")), "/aws/x");
}

TEST(EventIdTest, OrdersLikePositions) {
  EXPECT_EQ(EventId({1, 2}).size(), 56u);
  EXPECT_LT(EventId({1, 9}), EventId({2, 1}));
  EXPECT_LT(EventId({2, 1}), EventId({2, 10}));
}

bool M(std::string_view pattern, std::string_view message) {
  auto p = FilterPattern::Parse(pattern);
  EXPECT_TRUE(p.ok()) << pattern;
  return p.ok() && p->Matches(message);
}

TEST(FilterPatternTest, Terms) {
  EXPECT_TRUE(M("", "anything"));
  EXPECT_TRUE(M("   ", "anything"));
  EXPECT_TRUE(M("ERROR", "an ERROR happened"));
  EXPECT_FALSE(M("ERROR", "an error happened"));  // case-sensitive
  EXPECT_TRUE(M("ERROR disk", "ERROR: disk full"));
  EXPECT_FALSE(M("ERROR disk", "ERROR: memory"));
}

TEST(FilterPatternTest, PhrasesOrAndNot) {
  EXPECT_TRUE(M("\"disk full\"", "ERROR: disk full now"));
  EXPECT_FALSE(M("\"disk full\"", "disk is full"));
  EXPECT_TRUE(M("\"say \\\"hi\\\"\"", "they say \"hi\""));
  EXPECT_TRUE(M("?ERROR ?WARN", "WARN low"));
  EXPECT_TRUE(M("?ERROR ?WARN", "ERROR x"));
  EXPECT_FALSE(M("?ERROR ?WARN", "INFO x"));
  EXPECT_TRUE(M("ERROR -Exiting", "ERROR retry"));
  EXPECT_FALSE(M("ERROR -Exiting", "ERROR Exiting now"));
  EXPECT_FALSE(M("-\"no way\"", "there is no way"));
}

TEST(FilterPatternTest, RejectsBadAndUnsupported) {
  EXPECT_FALSE(FilterPattern::Parse("\"unterminated").ok());
  EXPECT_FALSE(FilterPattern::Parse("ERROR ? x").ok());
  EXPECT_FALSE(FilterPattern::Parse("{ $.level = \"ERROR\" }").ok());
  EXPECT_FALSE(FilterPattern::Parse("[ip, user]").ok());
  EXPECT_FALSE(FilterPattern::Parse("%ERR.*%").ok());
  EXPECT_EQ(FilterPattern::Parse("{}").error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nimbus::logs
