// Group commit for SQS's writes: every change to queues and messages is a Write closure run, in
// submission order, by one writer thread that commits all the writes waiting at once in one
// SQLite transaction (one fsync for many sends). A caller that must not answer before its
// change is durable (SendMessage) passes `done`, called after the commit.
//
// Threading: Submit from any thread; writes and `done` run on the writer thread. Failure: a
// write that fails rolls back alone (a savepoint) and its `done` gets its status; a failed
// commit fails every `done` of the batch.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "store/database.h"

namespace nimbus::sqs {

class Journal {
 public:
  using Write = std::function<Status(store::Database&)>;
  using Done = std::function<void(const Status&)>;

  // Starts the writer over `db`, which must outlive the journal.
  explicit Journal(store::Database& db);
  // Commits what was submitted, then stops the writer.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Queues `write`; `done` (optional) is called once it is committed or failed. After Stop,
  // `done` gets Unavailable and the write is dropped.
  void Submit(Write write, Done done = nullptr);
  // Commits what was submitted and stops the writer; later submits fail. Idempotent.
  void Stop();

 private:
  struct Item {
    Write write;
    Done done;
  };
  void Run();

  store::Database& db_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace nimbus::sqs
