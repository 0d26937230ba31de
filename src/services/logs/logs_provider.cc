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
    for (const auto& [name, op] : ops::AllOps()) {
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
