// Lambda's asynchronous events on the shared work queue: the item encoding, and the move of
// events an earlier nimbus queued in its own lambda_events table.
#include "services/lambda/invoke/queued_event.h"

#include <gtest/gtest.h>

#include <array>

namespace nimbus::lambda {
namespace {

QueuedEvent Sample(std::string payload) {
  QueuedEvent e;
  e.account_id = "123456789012";
  e.region = "us-east-1";
  e.function_name = "fn\nname";
  e.qualifier = "3";
  e.invoked_arn = "arn:aws:lambda:x:fn:live";
  e.request_id = "req-1";
  e.payload = std::move(payload);
  e.enqueued_ms = 1700000000123;
  return e;
}

TEST(QueuedEventTest, RoundTripsAnyPayloadByteForByte) {
  std::string binary("{\"a\":1}\n\0\xff\xfe tail", 16);
  auto decoded = DecodeQueuedEvent(EncodeQueuedEvent(Sample(binary)));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->account_id, "123456789012");
  EXPECT_EQ(decoded->region, "us-east-1");
  EXPECT_EQ(decoded->function_name, "fn\nname");
  EXPECT_EQ(decoded->qualifier, "3");
  EXPECT_EQ(decoded->invoked_arn, "arn:aws:lambda:x:fn:live");
  EXPECT_EQ(decoded->request_id, "req-1");
  EXPECT_EQ(decoded->payload, binary);
  EXPECT_EQ(decoded->enqueued_ms, 1700000000123);
}

TEST(QueuedEventTest, RefusesWhatItDidNotEncode) {
  EXPECT_FALSE(DecodeQueuedEvent("").has_value());
  EXPECT_FALSE(DecodeQueuedEvent("no header line").has_value());
  EXPECT_FALSE(DecodeQueuedEvent("[1,2]\npayload").has_value());
  EXPECT_FALSE(DecodeQueuedEvent("{\"a\":\"x\"}\npayload").has_value());
  EXPECT_FALSE(DecodeQueuedEvent("{not json\npayload").has_value());
}

// The schema nimbus used before the shared work queue, as an old data dir holds it.
const std::array<store::Migration, 1> kLegacySchema = {{
    {1, "event queue",
     "CREATE TABLE lambda_events ("
     " id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, region TEXT NOT NULL,"
     " function_name TEXT NOT NULL, qualifier TEXT NOT NULL, invoked_arn TEXT NOT NULL,"
     " request_id TEXT NOT NULL, payload BLOB NOT NULL, enqueued_ms INTEGER NOT NULL,"
     " attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL);"
     "CREATE INDEX lambda_events_due ON lambda_events(next_ms);"},
}};

TEST(QueuedEventTest, MovesAnOldDataDirsEventsOntoTheWorkQueueOnce) {
  auto db = store::Database::OpenFile(":memory:");
  ASSERT_TRUE(db.ok());
  store::Database& d = **db;
  ASSERT_TRUE(d.Migrate("lambda_events", kLegacySchema).ok());
  auto insert = [&](const char* request, std::string payload, int attempts, int64_t next_ms) {
    return d.Exec(
        "INSERT INTO lambda_events(account_id, region, function_name, qualifier, invoked_arn,"
        " request_id, payload, enqueued_ms, attempts, next_ms) VALUES(?,?,?,?,?,?,?,?,?,?)",
        {"111122223333", "eu-west-1", "worker", "$LATEST", "arn:fn", request,
         store::BlobParam{payload}, int64_t{1000}, attempts, next_ms});
  };
  ASSERT_TRUE(insert("first", "{\"n\":1}", 0, 2000).ok());
  ASSERT_TRUE(insert("retried", std::string("\0bin", 4), 2, 5000).ok());

  auto queue = store::WorkQueue::Open(d, 7);
  ASSERT_TRUE(queue.ok());
  ASSERT_TRUE(MoveLegacyQueuedEvents(d, **queue).ok());
  // The table and its schema record are gone; a second start has nothing to move.
  EXPECT_EQ(d.SchemaVersion("lambda_events").value(), 0);
  ASSERT_TRUE(MoveLegacyQueuedEvents(d, **queue).ok());
  EXPECT_EQ((*queue)->Count(kEventQueueName).value(), 2);

  auto items = (*queue)->Claim(kEventQueueName, 10000, 10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].due_ms, 2000);
  EXPECT_EQ((*items)[0].attempts, 0);
  EXPECT_EQ((*items)[1].due_ms, 5000);
  EXPECT_EQ((*items)[1].attempts, 2);
  auto first = DecodeQueuedEvent((*items)[0].payload);
  auto retried = DecodeQueuedEvent((*items)[1].payload);
  ASSERT_TRUE(first && retried);
  EXPECT_EQ(first->request_id, "first");
  EXPECT_EQ(first->account_id, "111122223333");
  EXPECT_EQ(first->region, "eu-west-1");
  EXPECT_EQ(first->function_name, "worker");
  EXPECT_EQ(first->qualifier, "$LATEST");
  EXPECT_EQ(first->invoked_arn, "arn:fn");
  EXPECT_EQ(first->payload, "{\"n\":1}");
  EXPECT_EQ(first->enqueued_ms, 1000);
  EXPECT_EQ(retried->payload, std::string("\0bin", 4));
}

TEST(QueuedEventTest, ANewDataDirHasNothingToMove) {
  auto db = store::Database::OpenFile(":memory:");
  ASSERT_TRUE(db.ok());
  auto queue = store::WorkQueue::Open(**db);
  ASSERT_TRUE(queue.ok());
  ASSERT_TRUE(MoveLegacyQueuedEvents(**db, **queue).ok());
  EXPECT_EQ((*queue)->Count(kEventQueueName).value(), 0);
}

}  // namespace
}  // namespace nimbus::lambda
