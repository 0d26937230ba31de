#include <cstdio>

#include "services/logs/log_store.h"

namespace nimbus::logs {
namespace {

class LogStoreSink : public LogSink {
 public:
  explicit LogStoreSink(std::shared_ptr<LogStore> store) : store_(std::move(store)) {}

  void Append(std::vector<LogBatch> batches) override {
    std::vector<Status> results = store_->AppendEnsuringAll(batches);
    for (const Status& st : results) {
      if (!st.ok()) std::fprintf(stderr, "nimbus: logs dropped: %s\n", st.ToString().c_str());
    }
  }

  Status PrepareStream(const Scope& scope, const std::string& group, const std::string& stream,
                       bool create_group) override {
    if (!create_group) {
      auto existing = store_->GetGroup(scope, group);
      if (!existing.ok()) return existing.error();
    }
    return store_->EnsureStream(scope, group, stream);
  }

 private:
  std::shared_ptr<LogStore> store_;
};

}  // namespace

std::shared_ptr<LogSink> MakeLogSink(std::shared_ptr<LogStore> store) {
  return std::make_shared<LogStoreSink>(std::move(store));
}

}  // namespace nimbus::logs
