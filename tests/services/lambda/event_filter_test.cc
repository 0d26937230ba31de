// Lambda's event filtering: every rule of the filter rule syntax matching and not matching,
// nesting, $or, arrays in the record, several filters ORed, and AWS's errors for bad patterns.
#include "services/lambda/mappings/event_filter.h"

#include <gtest/gtest.h>

#include "services/lambda/mappings/sqs_event.h"

namespace nimbus::lambda {
namespace {

// A filter of one pattern; fails the test when it does not parse.
EventFilter One(const std::string& pattern) {
  auto f = EventFilter::Parse({{"Filters", {{{"Pattern", pattern}}}}});
  EXPECT_TRUE(f.ok()) << pattern << ": " << (f.ok() ? "" : f.error().message);
  return f.ok() ? std::move(*f) : EventFilter();
}

bool Match(const std::string& pattern, const std::string& record) {
  return One(pattern).Matches(Value::parse(record));
}

TEST(EventFilterTest, EveryRuleMatchesAndFailsAsLambdaDocuments) {
  struct Case {
    const char* pattern;
    const char* yes;
    const char* no;
  } cases[] = {
      {R"({"a":["x","y"]})", R"({"a":"y"})", R"({"a":"z"})"},
      {R"({"a":[null]})", R"({"a":null})", R"({"a":"null"})"},
      {R"({"a":[""]})", R"({"a":""})", R"({"a":" "})"},
      {R"({"a":[5]})", R"({"a":5.0})", R"({"a":"5"})"},
      {R"({"a":[{"equals-ignore-case":"AbC"}]})", R"({"a":"aBc"})", R"({"a":"abd"})"},
      {R"({"a":[{"prefix":"us-"}]})", R"({"a":"us-east-1"})", R"({"a":"eu-us-"})"},
      {R"({"a":[{"suffix":".png"}]})", R"({"a":"x.png"})", R"({"a":"x.png.gz"})"},
      {R"({"a":[{"anything-but":["r","s"]}]})", R"({"a":"t"})", R"({"a":"s"})"},
      {R"({"a":[{"anything-but":"r"}]})", R"({"a":"t"})", R"({"a":"r"})"},
      {R"({"a":[{"anything-but":{"prefix":"in"}}]})", R"({"a":"out"})", R"({"a":"inner"})"},
      {R"({"a":[{"anything-but":{"suffix":"ed"}}]})", R"({"a":"open"})", R"({"a":"closed"})"},
      {R"({"a":[{"numeric":["=",100]}]})", R"({"a":100})", R"({"a":101})"},
      {R"({"a":[{"numeric":[">",10,"<=",20]}]})", R"({"a":20})", R"({"a":10})"},
      {R"({"a":[{"numeric":[">=",1.5]}]})", R"({"a":1.5})", R"({"a":"2"})"},
      {R"({"a":[{"exists":true}]})", R"({"a":"anything"})", R"({"b":1})"},
      {R"({"a":[{"exists":false}]})", R"({"b":1})", R"({"a":1})"},
      {R"({"a":{"b":{"c":["deep"]}}})", R"({"a":{"b":{"c":"deep"}}})", R"({"a":{"b":"deep"}})"},
      {R"({"a":{"b":[{"exists":false}]}})", R"({"x":1})", R"({"a":{"b":2}})"},
      {R"({"a":["x"],"b":["y"]})", R"({"a":"x","b":"y"})", R"({"a":"x","b":"z"})"},
      {R"({"$or":[{"a":["x"]},{"b":["y"]}]})", R"({"a":"q","b":"y"})", R"({"a":"q","b":"q"})"},
      {R"({"tags":["red"]})", R"({"tags":["blue","red"]})", R"({"tags":["blue"]})"},
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(Match(c.pattern, c.yes)) << c.pattern << " vs " << c.yes;
    EXPECT_FALSE(Match(c.pattern, c.no)) << c.pattern << " vs " << c.no;
  }
}

TEST(EventFilterTest, FiltersAreOredAndNoFilterMatchesEverything) {
  auto f = EventFilter::Parse(
      {{"Filters", {{{"Pattern", R"({"a":["1"]})"}}, {{"Pattern", R"({"b":["2"]})"}}}}});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Matches(Value::parse(R"({"b":"2"})")));
  EXPECT_FALSE(f->Matches(Value::parse(R"({"c":"3"})")));
  EXPECT_EQ(f->criteria()["Filters"].size(), 2u);
  for (Value none : {Value(), Value::object(), Value{{"Filters", Value::array()}}}) {
    auto empty = EventFilter::Parse(none);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
    EXPECT_TRUE(empty->Matches(Value::parse(R"({"x":1})")));
  }
}

TEST(EventFilterTest, BadPatternsGetAwsErrors) {
  for (const char* bad : {"not json", "[]", "{}", R"({"a":"x"})", R"({"a":[]})", R"({"a":[{}]})",
                          R"({"a":[{"prefix":1}]})", R"({"a":[{"numeric":[">"]}]})",
                          R"({"a":[{"numeric":["<",1,">",5]}]})", R"({"a":[{"exists":"yes"}]})",
                          R"({"a":[{"wild":"x"}]})", R"({"a":[{"anything-but":[]}]})",
                          R"({"$or":[{"a":["x"]}]})", R"({"a":[["nested"]]})"}) {
    auto f = EventFilter::Parse({{"Filters", {{{"Pattern", bad}}}}});
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.error().code, "InvalidParameterValueException") << bad;
    EXPECT_EQ(f.error().message, "Invalid filter pattern definition.") << bad;
  }
  Value six = {{"Filters", Value::array()}};
  for (int i = 0; i < 6; ++i) six["Filters"].push_back({{"Pattern", R"({"a":["x"]})"}});
  EXPECT_FALSE(EventFilter::Parse(six).ok());
  auto long_pattern = EventFilter::Parse(
      {{"Filters", {{{"Pattern", R"({"a":[")" + std::string(4100, 'x') + R"("]})"}}}}});
  ASSERT_FALSE(long_pattern.ok());
  EXPECT_EQ(long_pattern.error().code, "ValidationException");
}

TEST(EventFilterTest, AnSqsRecordIsFilteredOnItsBodyParsedWhenItIsJson) {
  sqs::PolledMessage m;
  m.message_id = "id";
  m.body = R"({"RequestCode":"BBBB","n":7})";
  Value json_view = FilterView(SqsRecord(m, "arn:aws:sqs:us-east-1:1:q", "us-east-1"));
  EXPECT_TRUE(One(R"({"body":{"RequestCode":["BBBB"]}})").Matches(json_view));
  EXPECT_FALSE(One(R"({"body":["BBBB"]})").Matches(json_view));
  m.body = "plain BBBB";
  Value plain_view = FilterView(SqsRecord(m, "arn:aws:sqs:us-east-1:1:q", "us-east-1"));
  EXPECT_TRUE(One(R"({"body":[{"prefix":"plain"}]})").Matches(plain_view));
  EXPECT_FALSE(One(R"({"body":{"RequestCode":["BBBB"]}})").Matches(plain_view));
}

}  // namespace
}  // namespace nimbus::lambda
