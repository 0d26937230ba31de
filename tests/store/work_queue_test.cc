#include "store/work_queue.h"

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace nimbus::store {
namespace {

TEST(WorkQueueTest, ClaimsDueItemsOnceUntilRetriedOrRestarted) {
  testing::TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  auto q = WorkQueue::Open(**db, 1);
  ASSERT_TRUE(q.ok());
  WorkQueue& queue = **q;
  ASSERT_TRUE(queue.Enqueue("a", "first", 100).ok());
  ASSERT_TRUE(queue.Enqueue("a", "later", 500).ok());
  ASSERT_TRUE(queue.Enqueue("b", "other queue", 0).ok());

  auto none = queue.Claim("a", 50, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto due = queue.Claim("a", 100, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].payload, "first");
  EXPECT_EQ((*due)[0].attempts, 0);
  // Leased: not claimed again, and not the next due.
  EXPECT_TRUE(queue.Claim("a", 100, 10)->empty());
  EXPECT_EQ(*queue.NextDue("a").value(), 500);

  // Retry releases it with its attempts, due later.
  ASSERT_TRUE(queue.Retry((*due)[0].id, 1, 300).ok());
  auto again = queue.Claim("a", 1000, 10);
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].payload, "first");
  EXPECT_EQ((*again)[0].attempts, 1);
  EXPECT_EQ((*again)[1].payload, "later");

  // A new process (generation) frees every lease: at least once.
  auto q2 = WorkQueue::Open(**db, 2);
  ASSERT_TRUE(q2.ok());
  EXPECT_EQ((*q2)->Claim("a", 1000, 10)->size(), 2u);
  int64_t ids[] = {(*again)[0].id, (*again)[1].id};
  ASSERT_TRUE((*q2)->Complete(ids).ok());
  EXPECT_EQ(*(*q2)->Count("a"), 0);
  EXPECT_EQ(*(*q2)->Count("b"), 1);
  EXPECT_FALSE((*q2)->NextDue("a")->has_value());
}

TEST(WorkQueueTest, EnqueueInsideATransactionRollsBackWithIt) {
  testing::TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  auto q = WorkQueue::Open(**db, 1);
  ASSERT_TRUE(q.ok());
  Status st = (*db)->Transaction([&]() -> Status {
    EXPECT_TRUE((*q)->Enqueue("a", "x", 0).ok());
    return Status::Internal("abandon");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(*(*q)->Count("a"), 0);
}

TEST(WorkQueueTest, EnqueueAndRetryWakeTheirQueuesConsumer) {
  testing::TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  auto q = WorkQueue::Open(**db, 1);
  ASSERT_TRUE(q.ok());
  WorkQueue& queue = **q;
  int a_wakes = 0, b_wakes = 0;
  queue.OnChange("a", [&] { ++a_wakes; });
  queue.OnChange("b", [&] { ++b_wakes; });
  auto id = queue.Enqueue("a", "x", 0);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(a_wakes, 1);
  EXPECT_EQ(b_wakes, 0);
  ASSERT_EQ(queue.Claim("a", 0, 10)->size(), 1u);  // claiming changes nothing due: no wake-up
  EXPECT_EQ(a_wakes, 1);
  ASSERT_TRUE(queue.Retry(*id, 1, 100).ok());  // released, due later: the consumer re-plans
  EXPECT_EQ(a_wakes, 2);
  int64_t ids[] = {*id};
  ASSERT_TRUE(queue.Complete(ids).ok());
  EXPECT_EQ(a_wakes, 2);
  ASSERT_TRUE(queue.Retry(*id, 2, 100).ok());  // gone: nothing changed
  EXPECT_EQ(a_wakes, 2);
  queue.OnChange("a", nullptr);
  ASSERT_TRUE(queue.Enqueue("a", "y", 0).ok());
  EXPECT_EQ(a_wakes, 2);
  ASSERT_TRUE(queue.Enqueue("b", "z", 0).ok());
  EXPECT_EQ(b_wakes, 1);
}

}  // namespace
}  // namespace nimbus::store
