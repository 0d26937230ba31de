#include "services/registry/lambda_log_sink.h"

#include <cstdio>

namespace nimbus {
namespace {

class LogStoreSink : public lambda::LogSink {
 public:
  explicit LogStoreSink(std::shared_ptr<logs::LogStore> store) : store_(std::move(store)) {}

  void Append(std::vector<lambda::LogBatch> batches) override {
    std::vector<logs::StreamEvents> all;
    all.reserve(batches.size());
    for (auto& b : batches) {
      logs::StreamEvents& s = all.emplace_back();
      s.account = std::move(b.account_id);
      s.region = std::move(b.region);
      s.group = std::move(b.group);
      s.stream = std::move(b.stream);
      s.events.reserve(b.lines.size());
      for (auto& l : b.lines)
        s.events.push_back(logs::LogEvent{l.timestamp_ms, std::move(l.message)});
    }
    std::vector<Status> results = store_->AppendEnsuringAll(all);
    for (const Status& st : results) {
      if (!st.ok())
        std::fprintf(stderr, "nimbus: lambda logs dropped: %s\n", st.ToString().c_str());
    }
  }

 private:
  std::shared_ptr<logs::LogStore> store_;
};

}  // namespace

std::shared_ptr<lambda::LogSink> MakeLambdaLogSink(std::shared_ptr<logs::LogStore> store) {
  return std::make_shared<LogStoreSink>(std::move(store));
}

}  // namespace nimbus
