#include "services/ecs/runtime/local_network.h"

#include <utility>

namespace nimbus::ecs {
namespace {

class LocalNetwork : public TaskNetwork {
 public:
  explicit LocalNetwork(sandbox::UniqueFd netns) : netns_(std::move(netns)) {}
  int netns_fd() const override { return netns_.valid() ? netns_.get() : -1; }
  Value attachments() const override { return Value::array(); }
  Value network_bindings(const std::string&) const override { return Value::array(); }
  Value network_interfaces(const std::string&) const override { return Value::array(); }
  std::vector<std::string> environment(const std::string&) const override { return {}; }

 private:
  sandbox::UniqueFd netns_;
};

class LocalNetworkProvider : public TaskNetworkProvider {
 public:
  explicit LocalNetworkProvider(std::shared_ptr<sandbox::NetworkNamespaces> namespaces)
      : namespaces_(std::move(namespaces)) {}

  Result<std::unique_ptr<TaskNetwork>> Create(const TaskNetworkRequest& request) override {
    if (request.network_mode == "host") {
      return std::unique_ptr<TaskNetwork>(std::make_unique<LocalNetwork>(sandbox::UniqueFd()));
    }
    auto ns = namespaces_->Create({});
    if (!ns.ok()) return Status::Internal("network namespace: " + ns.error().message());
    return std::unique_ptr<TaskNetwork>(std::make_unique<LocalNetwork>(std::move(*ns)));
  }

 private:
  std::shared_ptr<sandbox::NetworkNamespaces> namespaces_;
};

}  // namespace

std::unique_ptr<TaskNetworkProvider> MakeLocalNetworkProvider(
    std::shared_ptr<sandbox::NetworkNamespaces> namespaces) {
  return std::make_unique<LocalNetworkProvider>(std::move(namespaces));
}

}  // namespace nimbus::ecs
