#include <cstdio>

#include "services/logs/log_store.h"

namespace nimbus::logs {
namespace {

class LogStoreSink : public LogSink {
 public:
  explicit LogStoreSink(std::shared_ptr<LogStore> store) : store_(std::move(store)) {}

  void Append(std::vector<LogBatch> batches) override {
    std::vector<StreamEvents> all;
    all.reserve(batches.size());
    for (auto& b : batches) {
      StreamEvents& s = all.emplace_back();
      s.account = std::move(b.account_id);
      s.region = std::move(b.region);
      s.group = std::move(b.group);
      s.stream = std::move(b.stream);
      s.events.reserve(b.lines.size());
      for (auto& l : b.lines) s.events.push_back(LogEvent{l.timestamp_ms, std::move(l.message)});
    }
    std::vector<Status> results = store_->AppendEnsuringAll(all);
    for (const Status& st : results) {
      if (!st.ok()) std::fprintf(stderr, "nimbus: logs dropped: %s\n", st.ToString().c_str());
    }
  }

 private:
  std::shared_ptr<LogStore> store_;
};

}  // namespace

std::shared_ptr<LogSink> MakeLogSink(std::shared_ptr<LogStore> store) {
  return std::make_shared<LogStoreSink>(std::move(store));
}

}  // namespace nimbus::logs
