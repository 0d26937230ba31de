// The SQS journal: writes run in order in one transaction per batch, `done` after the commit,
// and a message deleted in the batch that inserted it is never written.
#include "services/sqs/journal.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

namespace nimbus::sqs {
namespace {

TEST(SqsJournalTest, WritesRunInOrderAndDoneFollowsTheCommit) {
  auto db = store::Database::OpenFile(":memory:");
  ASSERT_TRUE(db.ok());
  Journal journal(**db);
  std::mutex mu;
  std::vector<int> order;
  std::promise<Status> durable;
  for (int i = 0; i < 100; ++i) {
    journal.Submit([&, i](store::Database&) {
      std::lock_guard lock(mu);
      order.push_back(i);
      return Status();
    });
  }
  journal.Submit([](store::Database&) { return Status::Internal("disk on fire"); },
                 [&](const Status& st) { durable.set_value(st); });
  Status st = durable.get_future().get();
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  std::lock_guard lock(mu);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(SqsJournalTest, AMessageInsertedAndDeletedInOneBatchIsNeverWritten) {
  auto db = store::Database::OpenFile(":memory:");
  ASSERT_TRUE(db.ok());
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  Journal journal(**db);
  // Hold the writer so what follows lands in one batch.
  journal.Submit([gate](store::Database&) {
    gate.wait();
    return Status();
  });
  std::mutex mu;
  std::vector<std::string> ran;
  auto write = [&](std::string what) {
    return [&, what](store::Database&) {
      std::lock_guard lock(mu);
      ran.push_back(what);
      return Status();
    };
  };
  using Kind = Journal::Kind;
  journal.Submit(write("insert 1"), nullptr, {1, 1}, Kind::kInsert);
  journal.Submit(write("insert 2"), nullptr, {1, 2}, Kind::kInsert);
  journal.Submit(write("update 1"), nullptr, {1, 1}, Kind::kUpdate);
  journal.Submit(write("delete 1"), nullptr, {1, 1}, Kind::kDelete);
  journal.Submit(write("update 3"), nullptr, {1, 3}, Kind::kUpdate);
  journal.Submit(write("delete 3"), nullptr, {1, 3}, Kind::kDelete);
  std::promise<Status> durable;
  journal.Submit([](store::Database&) { return Status(); },
                 [&](const Status& st) { durable.set_value(st); });
  release.set_value();
  ASSERT_TRUE(durable.get_future().get().ok());
  std::lock_guard lock(mu);
  // 1 came and went: nothing; 2 stays; 3 (inserted in an earlier batch) is only deleted.
  EXPECT_EQ(ran, (std::vector<std::string>{"insert 2", "delete 3"}));
}

}  // namespace
}  // namespace nimbus::sqs
