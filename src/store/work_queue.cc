#include "store/work_queue.h"

#include <algorithm>

#include "core/ids.h"

namespace nimbus::store {
namespace {

const Migration kMigrations[] = {
    {1, "work-items",
     "CREATE TABLE work_items ("
     "  id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, payload BLOB NOT NULL,"
     "  attempts INTEGER NOT NULL DEFAULT 0, due_ms INTEGER NOT NULL,"
     "  lease INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX work_items_due ON work_items(queue, due_ms, id);"},
};

}  // namespace

Result<std::unique_ptr<WorkQueue>> WorkQueue::Open(Database& db, int64_t generation) {
  Status st = db.Migrate("work_queue", kMigrations);
  if (!st.ok()) return st;
  return std::unique_ptr<WorkQueue>(new WorkQueue(db, generation));
}

Result<std::unique_ptr<WorkQueue>> WorkQueue::Open(Database& db) {
  // Positive, never 0 (the lease of an unclaimed item).
  return Open(db, static_cast<int64_t>(SystemRandom().Next() >> 2) + 1);
}

Result<int64_t> WorkQueue::Enqueue(std::string_view queue, std::string_view payload,
                                   int64_t due_ms) {
  int64_t id = 0;
  Status st = db_.Query("INSERT INTO work_items(queue, payload, due_ms) VALUES(?,?,?) RETURNING id",
                        {queue, BlobParam{payload}, due_ms}, [&](const Row& r) {
                          id = r.Int(0);
                          return false;
                        });
  if (!st.ok()) return st;
  Changed(queue);
  return id;
}

Result<std::vector<WorkItem>> WorkQueue::Claim(std::string_view queue, int64_t now_ms, int limit) {
  std::vector<WorkItem> items;
  Status st = db_.Query(
      "UPDATE work_items SET lease=?1 WHERE id IN (SELECT id FROM work_items WHERE queue=?2"
      " AND due_ms<=?3 AND lease<>?1 ORDER BY due_ms, id LIMIT ?4)"
      " RETURNING id, payload, attempts, due_ms",
      {generation_, queue, now_ms, limit}, [&](const Row& r) {
        items.push_back(WorkItem{r.Int(0), r.Blob(1), static_cast<int>(r.Int(2)), r.Int(3)});
        return true;
      });
  if (!st.ok()) return st;
  std::sort(items.begin(), items.end(), [](const WorkItem& a, const WorkItem& b) {
    return a.due_ms != b.due_ms ? a.due_ms < b.due_ms : a.id < b.id;
  });
  return items;
}

Status WorkQueue::Complete(std::span<const int64_t> ids) {
  if (ids.empty()) return Status::Ok();
  return db_.Transaction([&]() -> Status {
    for (int64_t id : ids) {
      auto done = db_.Exec("DELETE FROM work_items WHERE id=?", {id});
      if (!done.ok()) return done.error();
    }
    return Status::Ok();
  });
}

Status WorkQueue::Retry(int64_t id, int attempts, int64_t due_ms) {
  std::string queue;
  Status st =
      db_.Query("UPDATE work_items SET attempts=?, due_ms=?, lease=0 WHERE id=? RETURNING queue",
                {attempts, due_ms, id}, [&](const Row& r) {
                  queue = r.Text(0);
                  return false;
                });
  if (!st.ok()) return st;
  Changed(queue);
  return Status::Ok();
}

void WorkQueue::OnChange(std::string_view queue, std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(wake_mu_);
  if (wake) {
    wake_.insert_or_assign(std::string(queue), std::move(wake));
  } else if (auto it = wake_.find(queue); it != wake_.end()) {
    wake_.erase(it);
  }
}

void WorkQueue::Changed(std::string_view queue) {
  std::lock_guard<std::mutex> lock(wake_mu_);
  if (auto it = wake_.find(queue); it != wake_.end()) it->second();
}

Result<std::optional<int64_t>> WorkQueue::NextDue(std::string_view queue) {
  std::optional<int64_t> due;
  Status st =
      db_.Query("SELECT due_ms FROM work_items WHERE queue=? AND lease<>? ORDER BY due_ms LIMIT 1",
                {queue, generation_}, [&](const Row& r) {
                  due = r.Int(0);
                  return false;
                });
  if (!st.ok()) return st;
  return due;
}

Result<int64_t> WorkQueue::Count(std::string_view queue) {
  int64_t n = 0;
  Status st =
      db_.Query("SELECT COUNT(*) FROM work_items WHERE queue=?", {queue}, [&](const Row& r) {
        n = r.Int(0);
        return false;
      });
  if (!st.ok()) return st;
  return n;
}

}  // namespace nimbus::store
