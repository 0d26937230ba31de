#include "services/logs/logs_provider.h"

#include <utility>

#include "services/logs/ops.h"

namespace nimbus::logs {
namespace {

class LogsProvider : public Provider {
 public:
  explicit LogsProvider(std::shared_ptr<LogStore> store) : store_(std::move(store)) {}

  std::string_view service_name() const override { return "logs"; }

  void RegisterOperations(OperationTable& table) override {
    const std::pair<const char*, ops::Op> kOps[] = {
        {"CreateLogGroup", ops::CreateLogGroup},
        {"DeleteLogGroup", ops::DeleteLogGroup},
        {"DescribeLogGroups", ops::DescribeLogGroups},
        {"PutRetentionPolicy", ops::PutRetentionPolicy},
        {"DeleteRetentionPolicy", ops::DeleteRetentionPolicy},
        {"TagLogGroup", ops::TagLogGroup},
        {"UntagLogGroup", ops::UntagLogGroup},
        {"ListTagsLogGroup", ops::ListTagsLogGroup},
        {"TagResource", ops::TagResource},
        {"UntagResource", ops::UntagResource},
        {"ListTagsForResource", ops::ListTagsForResource},
        {"CreateLogStream", ops::CreateLogStream},
        {"DeleteLogStream", ops::DeleteLogStream},
        {"DescribeLogStreams", ops::DescribeLogStreams},
        {"PutLogEvents", ops::PutLogEvents},
        {"GetLogEvents", ops::GetLogEvents},
        {"FilterLogEvents", ops::FilterLogEvents},
    };
    for (const auto& [name, op] : kOps) {
      table.Add(name, [store = store_, op = op](const CallContext& call, const Value& in) {
        return op(*store, call, in);
      });
    }
  }

 private:
  std::shared_ptr<LogStore> store_;
};

}  // namespace

std::unique_ptr<Provider> MakeLogsProvider(std::shared_ptr<LogStore> store) {
  return std::make_unique<LogsProvider>(std::move(store));
}

}  // namespace nimbus::logs
