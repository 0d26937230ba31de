#include "services/sqs/journal.h"

#include <cstdio>
#include <unordered_map>

namespace nimbus::sqs {

Journal::Journal(store::Database& db) : db_(db), writer_([this] { Run(); }) {}

Journal::~Journal() { Stop(); }

void Journal::Submit(Write write, Done done, MessageKey key, Kind kind) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      pending_.push_back({std::move(write), std::move(done), key, kind});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(Status::Unavailable("SQS is shutting down"));
}

void Journal::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
}

void Journal::Coalesce(std::vector<Item>& batch) {
  struct Hash {
    size_t operator()(const MessageKey& k) const {
      return std::hash<uint64_t>()(k.seq * 1000003u ^ static_cast<uint64_t>(k.queue_id));
    }
  };
  std::unordered_map<MessageKey, size_t, Hash> deleted_at;  // the last delete of each message
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].kind == Kind::kDelete) deleted_at[batch[i].key] = i;
  }
  if (deleted_at.empty()) return;
  std::unordered_map<MessageKey, bool, Hash> inserted;
  for (size_t i = 0; i < batch.size(); ++i) {
    Item& item = batch[i];
    if (item.key.queue_id == 0 || item.kind == Kind::kDelete) continue;
    auto d = deleted_at.find(item.key);
    if (d == deleted_at.end() || d->second < i) continue;
    if (item.kind == Kind::kInsert) inserted[item.key] = true;
    item.write = nullptr;
  }
  for (auto& [key, at] : deleted_at) {
    if (inserted.contains(key)) batch[at].write = nullptr;
  }
}

void Journal::Run() {
  std::vector<Item> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, all committed
      batch.assign(std::make_move_iterator(pending_.begin()),
                   std::make_move_iterator(pending_.end()));
      pending_.clear();
    }
    Coalesce(batch);
    std::vector<Status> results(batch.size());
    Status commit = db_.Transaction([&]() -> Status {
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].write) continue;  // coalesced away
        // One statement failing leaves the others (no savepoint each: they would triple the
        // statements); a failure is a disk or schema problem, said on stderr.
        results[i] = batch[i].write(db_);
        if (!results[i].ok()) {
          std::fprintf(stderr, "sqs: write failed: %s\n", results[i].ToString().c_str());
        }
      }
      return Status();
    });
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].done) batch[i].done(commit.ok() ? results[i] : commit);
    }
    batch.clear();
  }
}

}  // namespace nimbus::sqs
