#include "services/ecs/runtime/local_network.h"

#include <mutex>
#include <utility>

#include "sandbox/netns_pool.h"

namespace nimbus::ecs {
namespace {

class LocalNetwork : public TaskNetwork {
 public:
  // `pool` (null for the host's network) takes the namespace back when the task is gone.
  LocalNetwork(sandbox::PreparedNetwork network, sandbox::NetnsPool* pool)
      : network_(std::move(network)), pool_(pool) {}
  ~LocalNetwork() override {
    if (pool_ != nullptr) pool_->Release(std::move(network_));
  }
  int netns_fd() const override { return network_.netns.valid() ? network_.netns.get() : -1; }
  Value attachments() const override { return Value::array(); }
  Value network_bindings(const std::string&) const override { return Value::array(); }
  Value network_interfaces(const std::string&) const override { return Value::array(); }
  std::vector<std::string> environment(const std::string&) const override { return {}; }

 private:
  sandbox::PreparedNetwork network_;
  sandbox::NetnsPool* pool_;
};

class LocalNetworkProvider : public TaskNetworkProvider {
 public:
  explicit LocalNetworkProvider(std::shared_ptr<sandbox::NetworkNamespaces> namespaces)
      : namespaces_(std::move(namespaces)) {}

  Result<std::unique_ptr<TaskNetwork>> Create(const TaskNetworkRequest& request) override {
    if (request.network_mode == "host") {
      return std::unique_ptr<TaskNetwork>(
          std::make_unique<LocalNetwork>(sandbox::PreparedNetwork(), nullptr));
    }
    sandbox::NetnsPool& pool = Pool();
    auto ns = pool.Take();
    if (!ns.ok()) return Status::Internal("network namespace: " + ns.error().message());
    return std::unique_ptr<TaskNetwork>(std::make_unique<LocalNetwork>(std::move(*ns), &pool));
  }

 private:
  // Made at the first task (not at start-up): a few namespaces kept ready ahead of launches.
  sandbox::NetnsPool& Pool() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_) {
      sandbox::NetnsPoolOptions options;
      options.ready = 2;
      pool_ = std::make_unique<sandbox::NetnsPool>(*namespaces_, options);
    }
    return *pool_;
  }

  std::shared_ptr<sandbox::NetworkNamespaces> namespaces_;
  std::mutex mu_;
  std::unique_ptr<sandbox::NetnsPool> pool_;  // after namespaces_: destroyed first
};

}  // namespace

std::unique_ptr<TaskNetworkProvider> MakeLocalNetworkProvider(
    std::shared_ptr<sandbox::NetworkNamespaces> namespaces) {
  return std::make_unique<LocalNetworkProvider>(std::move(namespaces));
}

}  // namespace nimbus::ecs
