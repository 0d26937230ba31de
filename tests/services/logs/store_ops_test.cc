// LogStore and the event operations over an in-memory database and a fake clock.
#include <gtest/gtest.h>

#include "services/logs/log_store.h"
#include "services/logs/ops.h"

namespace nimbus::logs {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

class LogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::OpenFile(":memory:");
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    db_ = std::move(*db);
    auto s = MakeLogStore(*db_, clock_);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = *s;
    call_.account_id = "000000000000";
    call_.region = "us-east-1";
  }

  // Appends n events "m<i>" at kNow + i through the internal API.
  void Fill(const std::string& group, const std::string& stream, int n, int64_t base = kNow) {
    ASSERT_TRUE(store_->EnsureStream(Scope{"000000000000", "us-east-1"}, group, stream).ok());
    std::vector<LogEvent> events;
    for (int i = 0; i < n; ++i) events.push_back({base + i, "m" + std::to_string(i)});
    ASSERT_TRUE(store_->Append(Scope{"000000000000", "us-east-1"}, group, stream, events).ok());
  }

  Value Call(ops::Op op, const Value& in) {
    auto r = op(*store_, call_, in);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
    return r.ok() ? *r : Value();
  }

  std::vector<std::string> Messages(const Value& out) {
    std::vector<std::string> m;
    for (const Value& e : out["events"]) m.push_back(e["message"]);
    return m;
  }

  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(kNow))};
  std::unique_ptr<store::Database> db_;
  std::shared_ptr<LogStore> store_;
  CallContext call_;
};

TEST_F(LogsTest, InternalApiIsIdempotentAndAppendNeedsStream) {
  EXPECT_TRUE(store_->EnsureGroup(Scope{"000000000000", "us-east-1"}, "/aws/lambda/f").ok());
  EXPECT_TRUE(store_->EnsureGroup(Scope{"000000000000", "us-east-1"}, "/aws/lambda/f").ok());
  Status st =
      store_->Append(Scope{"000000000000", "us-east-1"}, "/aws/lambda/f", "s", {{kNow, "x"}});
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  Fill("/aws/lambda/f", "s", 3);
  Fill("/aws/lambda/f", "s", 2);  // EnsureStream again is fine
  auto streams = store_->ListStreams(Scope{"000000000000", "us-east-1"}, "/aws/lambda/f", {});
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].first_event, kNow);
  EXPECT_EQ((*streams)[0].last_event, kNow + 2);
  EXPECT_EQ((*streams)[0].last_ingestion, kNow);
  auto group = store_->GetGroup(Scope{"000000000000", "us-east-1"}, "/aws/lambda/f");
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->stored_bytes, 10);  // "m0".."m2", "m0".."m1"
  // Other accounts and regions do not see it.
  EXPECT_FALSE(store_->GetGroup(Scope{"111111111111", "us-east-1"}, "/aws/lambda/f").ok());
  EXPECT_FALSE(store_->GetGroup(Scope{"000000000000", "eu-west-1"}, "/aws/lambda/f").ok());
}

TEST_F(LogsTest, AppendEnsuringCreatesGroupAndStream) {
  ASSERT_TRUE(store_
                  ->AppendEnsuring(Scope{"000000000000", "us-east-1"}, "/aws/lambda/g",
                                   "2024/01/01/[$LATEST]abc", {{kNow, "START"}, {kNow, "END"}})
                  .ok());
  ASSERT_TRUE(store_
                  ->AppendEnsuring(Scope{"000000000000", "us-east-1"}, "/aws/lambda/g",
                                   "2024/01/01/[$LATEST]abc", {{kNow + 1, "REPORT"}})
                  .ok());
  Value out = Call(ops::GetLogEvents, {{"logGroupName", "/aws/lambda/g"},
                                       {"logStreamName", "2024/01/01/[$LATEST]abc"}});
  EXPECT_EQ(Messages(out), (std::vector<std::string>{"START", "END", "REPORT"}));
}

TEST_F(LogsTest, AppendEnsuringAllWritesEveryStreamInOneCall) {
  std::vector<LogBatch> batches = {
      {Scope{"000000000000", "us-east-1"}, "/aws/lambda/a", "s1", {{kNow, "a1"}, {kNow + 1, "a2"}}},
      {Scope{"000000000000", "us-east-1"}, "/aws/lambda/b", "s2", {{kNow, "b1"}}},
      {Scope{"000000000000", "us-east-1"}, "/aws/lambda/a", "s3", {}},
  };
  std::vector<Status> results = store_->AppendEnsuringAll(batches);
  ASSERT_EQ(results.size(), 3u);
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  auto a = store_->ReadStream(Scope{"000000000000", "us-east-1"}, "/aws/lambda/a", "s1", {},
                              std::nullopt, true, 10, 1 << 20);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 2u);
  EXPECT_EQ(store_->GetGroup(Scope{"000000000000", "us-east-1"}, "/aws/lambda/b")->stored_bytes, 2);
  EXPECT_TRUE(store_->CheckStream(Scope{"000000000000", "us-east-1"}, "/aws/lambda/a", "s3").ok());
}

TEST_F(LogsTest, GetLogEventsPagesForwardToTheSameTokenAtTheEnd) {
  Fill("g", "s", 5);
  Value in = {{"logGroupName", "g"}, {"logStreamName", "s"}, {"startFromHead", true}, {"limit", 2}};
  Value p1 = Call(ops::GetLogEvents, in);
  EXPECT_EQ(Messages(p1), (std::vector<std::string>{"m0", "m1"}));
  in["nextToken"] = p1["nextForwardToken"];
  Value p2 = Call(ops::GetLogEvents, in);
  EXPECT_EQ(Messages(p2), (std::vector<std::string>{"m2", "m3"}));
  in["nextToken"] = p2["nextForwardToken"];
  Value p3 = Call(ops::GetLogEvents, in);
  EXPECT_EQ(Messages(p3), (std::vector<std::string>{"m4"}));
  in["nextToken"] = p3["nextForwardToken"];
  Value end = Call(ops::GetLogEvents, in);
  EXPECT_TRUE(end["events"].empty());
  EXPECT_EQ(end["nextForwardToken"], p3["nextForwardToken"]);
  // New events appear behind the same token.
  Fill("g", "s", 1, kNow + 10);
  Value more = Call(ops::GetLogEvents, in);
  EXPECT_EQ(Messages(more), (std::vector<std::string>{"m0"}));
  // Walking back from the last page.
  in["nextToken"] = p3["nextBackwardToken"];
  Value back = Call(ops::GetLogEvents, in);
  EXPECT_EQ(Messages(back), (std::vector<std::string>{"m2", "m3"}));
}

TEST_F(LogsTest, GetLogEventsDefaultsToNewestAndBackwardEndsWithSameToken) {
  Fill("g", "s", 5);
  Value in = {{"logGroupName", "g"}, {"logStreamName", "s"}, {"limit", 2}};
  Value p1 = Call(ops::GetLogEvents, in);
  EXPECT_EQ(Messages(p1), (std::vector<std::string>{"m3", "m4"}));
  for (int i = 0; i < 2; ++i) {
    in["nextToken"] = p1["nextBackwardToken"];
    p1 = Call(ops::GetLogEvents, in);
  }
  EXPECT_EQ(Messages(p1), (std::vector<std::string>{"m0"}));
  in["nextToken"] = p1["nextBackwardToken"];
  Value end = Call(ops::GetLogEvents, in);
  EXPECT_TRUE(end["events"].empty());
  EXPECT_EQ(end["nextBackwardToken"], p1["nextBackwardToken"]);
  // The forward token of the empty page leads back to m0.
  in["nextToken"] = end["nextForwardToken"];
  EXPECT_EQ(Messages(Call(ops::GetLogEvents, in))[0], "m0");
}

TEST_F(LogsTest, GetLogEventsTimeWindowAndErrors) {
  Fill("g", "s", 5);
  Value in = {{"logGroupName", "g"},
              {"logStreamName", "s"},
              {"startTime", kNow + 1},
              {"endTime", kNow + 3},
              {"startFromHead", true}};
  EXPECT_EQ(Messages(Call(ops::GetLogEvents, in)), (std::vector<std::string>{"m1", "m2"}));
  in["nextToken"] = "f/garbage";
  auto bad = ops::GetLogEvents(*store_, call_, in);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InvalidParameterException");
  EXPECT_EQ(bad.error().message, "The specified nextToken is invalid.");
  auto missing =
      ops::GetLogEvents(*store_, call_, {{"logGroupName", "nope"}, {"logStreamName", "s"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "ResourceNotFoundException");
  EXPECT_EQ(missing.error().message, "The specified log group does not exist.");
  auto no_stream =
      ops::GetLogEvents(*store_, call_, {{"logGroupName", "g"}, {"logStreamName", "x"}});
  ASSERT_FALSE(no_stream.ok());
  EXPECT_EQ(no_stream.error().message, "The specified log stream does not exist.");
}

TEST_F(LogsTest, FilterLogEventsInterleavesPagesAndMatches) {
  Fill("g", "a", 4, kNow);       // a: m0..m3 at kNow..kNow+3
  Fill("g", "b", 4, kNow + 10);  // b: m0..m3 at kNow+10..
  Fill("g", "other", 1, kNow + 5);
  Value in = {{"logGroupName", "g"}, {"logStreamNamePrefix", ""}, {"limit", 3}};
  in.erase("logStreamNamePrefix");
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    Value out = Call(ops::FilterLogEvents, in);
    for (const Value& e : out["events"]) {
      seen.push_back(e["logStreamName"].get<std::string>() + ":" + e["message"].get<std::string>());
      EXPECT_EQ(e["eventId"].get<std::string>().size(), 56u);
    }
    EXPECT_TRUE(out["searchedLogStreams"].empty());
    if (!out.contains("nextToken")) break;
    in["nextToken"] = out["nextToken"];
  }
  EXPECT_EQ(seen.size(), 9u);
  EXPECT_EQ(seen[0], "a:m0");
  EXPECT_EQ(seen[4], "other:m0");
  EXPECT_EQ(seen[8], "b:m3");

  Value names = {{"logGroupName", "g"}, {"logStreamNames", {"b"}}, {"filterPattern", "m2"}};
  Value out = Call(ops::FilterLogEvents, names);
  ASSERT_EQ(out["events"].size(), 1u);
  EXPECT_EQ(out["events"][0]["timestamp"], kNow + 12);
  Value prefix = {{"logGroupName", "g"}, {"logStreamNamePrefix", "oth"}};
  EXPECT_EQ(Call(ops::FilterLogEvents, prefix)["events"].size(), 1u);
  Value bad = {{"logGroupName", "g"}, {"filterPattern", "{ $.x = 1 }"}};
  EXPECT_EQ(ops::FilterLogEvents(*store_, call_, bad).error().code, "InvalidParameterException");
}

TEST_F(LogsTest, PutLogEventsValidatesAndReportsRejected) {
  Fill("g", "s", 0);
  Value in = {{"logGroupName", "g"},
              {"logStreamName", "s"},
              {"logEvents",
               {{{"timestamp", kNow - 15LL * 86'400'000}, {"message", "old"}},
                {{"timestamp", kNow}, {"message", "ok"}},
                {{"timestamp", kNow + 3 * 3'600'000}, {"message", "new"}}}}};
  Value out = Call(ops::PutLogEvents, in);
  EXPECT_EQ(out["rejectedLogEventsInfo"]["tooOldLogEventEndIndex"], 0);
  EXPECT_EQ(out["rejectedLogEventsInfo"]["tooNewLogEventStartIndex"], 2);
  EXPECT_EQ(out["nextSequenceToken"].get<std::string>().size(), 56u);
  Value get = {{"logGroupName", "g"}, {"logStreamName", "s"}};
  EXPECT_EQ(Messages(Call(ops::GetLogEvents, get)), (std::vector<std::string>{"ok"}));
  in["logStreamName"] = "missing";
  EXPECT_EQ(ops::PutLogEvents(*store_, call_, in).error().message,
            "The specified log stream does not exist.");
}

TEST_F(LogsTest, DeleteStreamAndGroupRemoveEvents) {
  Fill("g", "s", 3);
  EXPECT_TRUE(store_->DeleteStream(Scope{"000000000000", "us-east-1"}, "g", "s").ok());
  EXPECT_EQ(store_->Append(Scope{"000000000000", "us-east-1"}, "g", "s", {{kNow, "x"}}).code(),
            StatusCode::kNotFound);
  Fill("g", "s", 3);
  auto group = store_->GetGroup(Scope{"000000000000", "us-east-1"}, "g");
  EXPECT_EQ(group->stored_bytes, 6);
  EXPECT_TRUE(store_->DeleteGroup(Scope{"000000000000", "us-east-1"}, "g").ok());
  EXPECT_EQ(store_->DeleteGroup(Scope{"000000000000", "us-east-1"}, "g").code(),
            StatusCode::kNotFound);
  int64_t rows = -1;
  ASSERT_TRUE(db_->Query("SELECT count(*) FROM logs_chunks", {},
                         [&](const store::Row& r) {
                           rows = r.Int(0);
                           return false;
                         })
                  .ok());
  EXPECT_EQ(rows, 0);
}

}  // namespace
}  // namespace nimbus::logs
