// Group commit for SQS's writes: every change to queues and messages is a Write closure run, in
// submission order, by one writer thread that commits all the writes waiting at once in one
// SQLite transaction (one fsync for many sends). A caller that must not answer before its
// change is durable (SendMessage) passes `done`, called after the commit.
//
// A write may name the message it is about (MessageKey) and what it does to it: within one
// batch, a message that is deleted has its earlier writes dropped, and when it was also inserted
// in that batch, nothing of it is written (sent, received and deleted between two commits).
//
// Threading: Submit from any thread; writes and `done` run on the writer thread. Failure: a
// write that fails is said on stderr and its `done` gets its status (the batch still commits);
// a failed commit fails every `done` of the batch.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace nimbus::sqs {

// The message a journal write is about (queue id and seq); queue_id 0 = none.
struct JournalKey {
  int64_t queue_id = 0;
  uint64_t seq = 0;
  bool operator==(const JournalKey&) const = default;
};

class Journal {
 public:
  using Write = std::function<Status(store::Database&)>;
  using Done = std::function<void(const Status&)>;
  using MessageKey = JournalKey;
  enum class Kind { kOther, kInsert, kUpdate, kDelete };

  // Starts the writer over `db`, which must outlive the journal.
  explicit Journal(store::Database& db);
  // Commits what was submitted, then stops the writer.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Queues `write`; `done` (optional) is called once it is committed or failed. After Stop,
  // `done` gets Unavailable and the write is dropped.
  void Submit(Write write, Done done = nullptr, MessageKey key = JournalKey(), Kind kind = Kind::kOther);
  // Commits what was submitted and stops the writer; later submits fail. Idempotent.
  void Stop();

 private:
  struct Item {
    Write write;
    Done done;
    MessageKey key;
    Kind kind = Kind::kOther;
  };
  void Run();
  // Drops (clears `write` of) the items a later delete in `batch` makes moot.
  static void Coalesce(std::vector<Item>& batch);

  store::Database& db_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace nimbus::sqs
