// A durable queue of work items in SQLite, for any service that must finish work it accepted
// even across kill -9 (SNS deliveries, Lambda's asynchronous events).
//
// An item is (queue name, opaque payload, attempts, due time). Enqueue is durable when it
// returns (and may run inside the caller's Database::Transaction, so an item commits with the
// state that made it). Claim leases due items to this process: a leased item is not claimed
// again until Retry releases it, and a restart (a new WorkQueue) frees every lease, so an
// item is processed at least once. Complete removes it.
//
// A consumer need not poll: OnChange registers a wake-up that Enqueue and Retry call, so it can
// sleep until NextDue and be woken at once by new work.
//
// Thread-safe: every call goes through the Database (serialized).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace nimbus::store {

struct WorkItem {
  int64_t id = 0;
  std::string payload;
  int attempts = 0;    // as last stored by Retry (0 for a new item)
  int64_t due_ms = 0;  // epoch ms at which it became due
};

class WorkQueue {
 public:
  // Applies the "work_queue" migrations to `db` (which must outlive the queue) and starts a
  // new lease generation (`generation` must differ from every earlier process's: pass a
  // random or time-based value).
  static Result<std::unique_ptr<WorkQueue>> Open(Database& db, int64_t generation);
  // The same with a random generation: what a service opening its queue at start-up wants.
  static Result<std::unique_ptr<WorkQueue>> Open(Database& db);

  // Adds one item due at `due_ms`; returns its id.
  Result<int64_t> Enqueue(std::string_view queue, std::string_view payload, int64_t due_ms);
  // Leases up to `limit` items of `queue` due at `now_ms`, earliest first.
  Result<std::vector<WorkItem>> Claim(std::string_view queue, int64_t now_ms, int limit);
  // Removes items (done, or given up on).
  Status Complete(std::span<const int64_t> ids);
  // Releases an item to be claimed again at `due_ms`, recording `attempts`.
  Status Retry(int64_t id, int attempts, int64_t due_ms);
  // The earliest due time of an unleased item of `queue`, or nullopt when there is none.
  Result<std::optional<int64_t>> NextDue(std::string_view queue);
  // Items of `queue` (leased or not).
  Result<int64_t> Count(std::string_view queue);

  // Calls `wake` after each successful Enqueue or Retry of an item of `queue` (on the calling
  // thread, with the queue's own lock held, so `wake` must only signal, never call back into the
  // queue), replacing any earlier one; an empty `wake` removes it. Inside a caller's
  // transaction the item is not visible until it commits: a consumer woken then waits in its
  // next Claim or NextDue for the database lock, and a rolled back item makes a spurious wake-up.
  void OnChange(std::string_view queue, std::function<void()> wake);

 private:
  WorkQueue(Database& db, int64_t generation) : db_(db), generation_(generation) {}
  void Changed(std::string_view queue);

  Database& db_;
  int64_t generation_;
  std::mutex wake_mu_;
  std::map<std::string, std::function<void()>, std::less<>> wake_;  // guarded by wake_mu_
};

}  // namespace nimbus::store
