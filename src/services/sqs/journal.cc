#include "services/sqs/journal.h"

#include <cstdio>
#include <vector>

namespace nimbus::sqs {

Journal::Journal(store::Database& db) : db_(db), writer_([this] { Run(); }) {}

Journal::~Journal() { Stop(); }

void Journal::Submit(Write write, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      pending_.push_back({std::move(write), std::move(done)});
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
    std::vector<Status> results(batch.size());
    Status commit = db_.Transaction([&]() -> Status {
      for (size_t i = 0; i < batch.size(); ++i) {
        results[i] = batch.size() == 1 ? batch[i].write(db_)
                                       : db_.Transaction([&] { return batch[i].write(db_); });
        if (!results[i].ok()) {
          std::fprintf(stderr, "sqs: write failed: %s\n", results[i].ToString().c_str());
        }
      }
      return batch.size() == 1 ? results[0] : Status();
    });
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].done) batch[i].done(commit.ok() ? results[i] : commit);
    }
    batch.clear();
  }
}

}  // namespace nimbus::sqs
