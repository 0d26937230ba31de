#include "services/registry/lambda_log_sink.h"

#include <cstdio>

namespace nimbus {
namespace {

class LogStoreSink : public lambda::LogSink {
 public:
  explicit LogStoreSink(std::shared_ptr<logs::LogStore> store) : store_(std::move(store)) {}

  void Append(const std::string& account_id, const std::string& region, const std::string& group,
              const std::string& stream, std::vector<lambda::LogLine> lines) override {
    std::vector<logs::LogEvent> events;
    events.reserve(lines.size());
    for (auto& l : lines) events.push_back(logs::LogEvent{l.timestamp_ms, std::move(l.message)});
    Status st = store_->AppendEnsuring(account_id, region, group, stream, events);
    if (!st.ok()) std::fprintf(stderr, "nimbus: lambda logs dropped: %s\n", st.ToString().c_str());
  }

 private:
  std::shared_ptr<logs::LogStore> store_;
};

}  // namespace

std::shared_ptr<lambda::LogSink> MakeLambdaLogSink(std::shared_ptr<logs::LogStore> store) {
  return std::make_shared<LogStoreSink>(std::move(store));
}

}  // namespace nimbus
