// Event chunks: the blob format, ordered reads over chunks that overlap in time, and the
// migration from one row per event.
#include <gtest/gtest.h>

#include "services/logs/event_chunk.h"
#include "services/logs/log_store.h"

namespace nimbus::logs {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr char kAcct[] = "000000000000";
constexpr char kRegion[] = "us-east-1";

TEST(EventChunk, RoundTripsAnyBytes) {
  std::string blob;
  AppendChunkEvent(blob, 5, "hello");
  AppendChunkEvent(blob, -3, "");  // negative clamps to 0
  AppendChunkEvent(blob, 7, std::string("a:1:\0b\n", 7));
  auto events = DecodeChunk(blob);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].timestamp_ms, 5);
  EXPECT_EQ((*events)[0].message, "hello");
  EXPECT_EQ((*events)[1].timestamp_ms, 0);
  EXPECT_EQ((*events)[1].message, "");
  EXPECT_EQ((*events)[2].message, std::string_view("a:1:\0b\n", 7));
  EXPECT_TRUE(DecodeChunk("").ok());
}

TEST(EventChunk, RejectsCorruptBlobs) {
  for (std::string_view bad : {"5", "5:", "5:3:ab", "x:1:a", "5:-1:", "-5:1:a", "5:1a:", ":1:a"}) {
    auto r = DecodeChunk(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
  }
}

class ChunkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::OpenFile(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
  }
  void Open() {
    auto s = MakeLogStore(*db_, clock_);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = *s;
  }
  std::vector<int64_t> Times(const std::vector<StoredEvent>& events) {
    std::vector<int64_t> t;
    for (const auto& e : events) t.push_back(e.pos.timestamp - kNow);
    return t;
  }

  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(kNow))};
  std::unique_ptr<store::Database> db_;
  std::shared_ptr<LogStore> store_;
};

TEST_F(ChunkStoreTest, OverlappingAppendsReadInTimeOrderBothWaysAndPage) {
  Open();
  // Three batches whose time ranges overlap: [10..30], [0..40], [20..25].
  auto append = [&](std::vector<int64_t> offsets) {
    std::vector<LogEvent> ev;
    for (int64_t o : offsets) ev.push_back({kNow + o, "t" + std::to_string(o)});
    ASSERT_TRUE(store_->AppendEnsuring(Scope{kAcct, kRegion}, "g", "s", ev).ok());
  };
  append({10, 30});
  append({0, 40});
  append({20, 25});
  auto all =
      store_->ReadStream(Scope{kAcct, kRegion}, "g", "s", {}, std::nullopt, true, 100, 1 << 20);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Times(*all), (std::vector<int64_t>{0, 10, 20, 25, 30, 40}));
  // Pages of two, forward from each page's last position.
  std::vector<int64_t> paged;
  std::optional<EventPos> from;
  for (int i = 0; i < 4; ++i) {
    auto page = store_->ReadStream(Scope{kAcct, kRegion}, "g", "s", {}, from, true, 2, 1 << 20);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    for (int64_t t : Times(*page)) paged.push_back(t);
    from = page->back().pos;
  }
  EXPECT_EQ(paged, Times(*all));
  // Backward: the newest two, then the two before them.
  auto last =
      store_->ReadStream(Scope{kAcct, kRegion}, "g", "s", {}, std::nullopt, false, 2, 1 << 20);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(Times(*last), (std::vector<int64_t>{30, 40}));
  auto before =
      store_->ReadStream(Scope{kAcct, kRegion}, "g", "s", {}, last->front().pos, false, 2, 1 << 20);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(Times(*before), (std::vector<int64_t>{20, 25}));
  // A time window.
  auto window = store_->ReadStream(Scope{kAcct, kRegion}, "g", "s", {kNow + 10, kNow + 30},
                                   std::nullopt, true, 100, 1 << 20);
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(Times(*window), (std::vector<int64_t>{10, 20, 25}));
}

TEST_F(ChunkStoreTest, FilterMergesStreamsAndSkipsUnwantedOnes) {
  Open();
  ASSERT_TRUE(
      store_->AppendEnsuring(Scope{kAcct, kRegion}, "g", "a", {{kNow + 1, "a1"}, {kNow + 3, "a3"}})
          .ok());
  ASSERT_TRUE(
      store_->AppendEnsuring(Scope{kAcct, kRegion}, "g", "b", {{kNow + 2, "b2"}, {kNow + 4, "b4"}})
          .ok());
  ASSERT_TRUE(store_->AppendEnsuring(Scope{kAcct, kRegion}, "g", "c", {{kNow + 2, "c2"}}).ok());
  auto res = store_->Filter(
      Scope{kAcct, kRegion}, "g", {}, std::nullopt, [](std::string_view s) { return s != "c"; },
      [](std::string_view) { return true; }, 3, 1 << 20);
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->events.size(), 3u);
  EXPECT_EQ(res->events[0].message, "a1");
  EXPECT_EQ(res->events[1].message, "b2");
  EXPECT_EQ(res->events[1].stream, "b");
  EXPECT_EQ(res->events[2].message, "a3");
  EXPECT_TRUE(res->more);
  auto rest = store_->Filter(
      Scope{kAcct, kRegion}, "g", {}, res->resume, [](std::string_view s) { return s != "c"; },
      [](std::string_view) { return true; }, 3, 1 << 20);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->events.size(), 1u);
  EXPECT_EQ(rest->events[0].message, "b4");
  EXPECT_FALSE(rest->more);
}

TEST_F(ChunkStoreTest, MigratesEventsStoredOneRowEach) {
  // The schema before chunks, with two events in it.
  const store::Migration v1[] = {
      {1, "groups-streams-events",
       "CREATE TABLE logs_groups (id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT "
       "NOT NULL, name TEXT NOT NULL, creation_time INTEGER NOT NULL, retention_days INTEGER,"
       " kms_key_id TEXT NOT NULL DEFAULT '', class TEXT NOT NULL DEFAULT 'STANDARD',"
       " stored_bytes INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '{}',"
       " UNIQUE(account, region, name));"
       "CREATE TABLE logs_streams (id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL REFERENCES"
       " logs_groups(id) ON DELETE CASCADE, name TEXT NOT NULL, creation_time INTEGER NOT NULL,"
       " first_event INTEGER, last_event INTEGER, last_ingestion INTEGER, stored_bytes INTEGER"
       " NOT NULL DEFAULT 0, UNIQUE(group_id, name));"
       "CREATE TABLE logs_events (id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id"
       " INTEGER NOT NULL REFERENCES logs_streams(id) ON DELETE CASCADE, ts INTEGER NOT NULL,"
       " ingestion INTEGER NOT NULL, message TEXT NOT NULL);"
       "CREATE INDEX logs_events_stream ON logs_events(stream_id, ts, id);"
       "CREATE INDEX logs_events_group ON logs_events(group_id, ts, id);"
       "INSERT INTO logs_groups(id, account, region, name, creation_time) VALUES"
       " (1, '000000000000', 'us-east-1', 'g', 0);"
       "INSERT INTO logs_streams(id, group_id, name, creation_time) VALUES (1, 1, 's', 0);"
       "INSERT INTO logs_events(group_id, stream_id, ts, ingestion, message) VALUES"
       " (1, 1, 1700000000005, 9, 'caf\xC3\xA9 : 12:'), (1, 1, 1700000000001, 8, 'first');"},
  };
  ASSERT_TRUE(db_->Migrate("logs", v1).ok());
  Open();
  auto events =
      store_->ReadStream(Scope{kAcct, kRegion}, "g", "s", {}, std::nullopt, true, 10, 1 << 20);
  ASSERT_TRUE(events.ok()) << events.error().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].message, "first");
  EXPECT_EQ((*events)[0].ingestion_time, 8);
  EXPECT_EQ((*events)[1].message, "caf\xC3\xA9 : 12:");
  EXPECT_EQ((*events)[1].pos.timestamp, kNow + 5);
}

}  // namespace
}  // namespace nimbus::logs
