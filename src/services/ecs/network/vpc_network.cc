#include "services/ecs/network/vpc_network.h"

#include <mutex>
#include <optional>
#include <utility>

#include "core/ids.h"
#include "sandbox/netns_pool.h"
#include "services/ecs/network/account_vpcs.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

constexpr char kMetadataAddress[] = "169.254.170.2";

// What DescribeTasks shows of an awsvpc task's ENI.
struct Eni {
  std::string attachment_id = NewUuid();
  std::string id = "eni-" + RandomHex(17);
  std::string subnet_id;
  std::string region;
};

std::string DnsName(uint32_t address, const std::string& region) {
  std::string name = "ip-" + Ipv4Text(address);
  for (char& c : name) {
    if (c == '.') c = '-';
  }
  return name + (region == "us-east-1" ? ".ec2.internal" : "." + region + ".compute.internal");
}

Value Detail(const char* name, const std::string& value) {
  return Value{{"name", name}, {"value", value}};
}

class VpcTaskNetwork : public TaskNetwork {
 public:
  VpcTaskNetwork(std::string mode, sandbox::PreparedNetwork network, sandbox::NetnsPool* pool,
                 AccountVpcs* vpcs)
      : mode_(std::move(mode)), network_(std::move(network)), pool_(pool), vpcs_(vpcs) {}
  ~VpcTaskNetwork() override {
    if (lease_) vpcs_->Detach(*lease_);
    if (pool_ != nullptr) pool_->Release(std::move(network_));
  }

  void SetLease(VpcLease lease, std::optional<Eni> eni) {
    lease_ = std::move(lease);
    eni_ = std::move(eni);
  }

  int netns_fd() const override { return network_.netns.valid() ? network_.netns.get() : -1; }

  Value attachments() const override {
    Value out = Value::array();
    if (!eni_) return out;
    out.push_back(
        Value{{"id", eni_->attachment_id},
              {"type", "ElasticNetworkInterface"},
              {"status", "ATTACHED"},
              {"details", Value::array({
                              Detail("subnetId", eni_->subnet_id),
                              Detail("networkInterfaceId", eni_->id),
                              Detail("macAddress", MacText(lease_->mac)),
                              Detail("privateDnsName", DnsName(lease_->address, eni_->region)),
                              Detail("privateIPv4Address", Ipv4Text(lease_->address)),
                          })}});
    return out;
  }

  Value network_bindings(const std::string&) const override { return Value::array(); }

  Value network_interfaces(const std::string&) const override {
    Value out = Value::array();
    if (eni_) {
      out.push_back(Value{{"attachmentId", eni_->attachment_id},
                          {"privateIpv4Address", Ipv4Text(lease_->address)}});
    }
    return out;
  }

  std::vector<std::string> environment(const std::string&) const override { return {}; }

 private:
  std::string mode_;
  sandbox::PreparedNetwork network_;
  sandbox::NetnsPool* pool_;
  AccountVpcs* vpcs_;
  std::optional<VpcLease> lease_;
  std::optional<Eni> eni_;
};

std::string FirstSubnet(const Value& network_configuration) {
  const Value* vpc = Member(network_configuration, "awsvpcConfiguration");
  const Value* subnets = vpc ? Member(*vpc, "subnets") : nullptr;
  if (subnets == nullptr || !subnets->is_array() || subnets->empty()) return "";
  return (*subnets)[0].is_string() ? (*subnets)[0].get<std::string>() : "";
}

class VpcNetworkProvider : public TaskNetworkProvider {
 public:
  explicit VpcNetworkProvider(VpcNetworkOptions options)
      : namespaces_(options.namespaces), vpcs_(options.namespaces, options.state_dir) {}

  Result<std::unique_ptr<TaskNetwork>> Create(const TaskNetworkRequest& request) override {
    const std::string& mode = request.network_mode;
    if (mode == "host") {
      return std::unique_ptr<TaskNetwork>(
          std::make_unique<VpcTaskNetwork>(mode, sandbox::PreparedNetwork(), nullptr, &vpcs_));
    }
    if (mode != "none" && mode != "bridge" && mode != "awsvpc") {
      return Status::InvalidArgument("network mode '" + mode + "' is not supported");
    }
    sandbox::NetnsPool& pool = Pool();
    auto ns = pool.Take();
    if (!ns.ok()) return Status::Internal("network namespace: " + ns.error().message());
    int netns = ns->netns.get();
    auto network = std::make_unique<VpcTaskNetwork>(mode, std::move(*ns), &pool, &vpcs_);
    if (mode == "none") return std::unique_ptr<TaskNetwork>(std::move(network));
    auto lease = vpcs_.Attach(request.scope.account, netns);
    if (!lease.ok()) return Status(lease.error().code(), "network: " + lease.error().message());
    std::optional<Eni> eni;
    if (mode == "awsvpc") {
      eni.emplace();
      eni->subnet_id = FirstSubnet(request.network_configuration);
      eni->region = request.scope.region;
    }
    network->SetLease(std::move(*lease), std::move(eni));
    return std::unique_ptr<TaskNetwork>(std::move(network));
  }

 private:
  // Made at the first task (not at start-up): a few namespaces kept ready ahead of launches,
  // each with 169.254.170.2 on its loopback, where nimbus answers inside every task.
  sandbox::NetnsPool& Pool() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_) {
      sandbox::NetnsPoolOptions options;
      options.ready = 2;
      options.lo_addresses = {kMetadataAddress};
      pool_ = std::make_unique<sandbox::NetnsPool>(*namespaces_, options);
    }
    return *pool_;
  }

  std::shared_ptr<sandbox::NetworkNamespaces> namespaces_;
  AccountVpcs vpcs_;
  std::mutex mu_;
  std::unique_ptr<sandbox::NetnsPool> pool_;  // after vpcs_: destroyed first
};

}  // namespace

std::unique_ptr<TaskNetworkProvider> MakeVpcNetworkProvider(VpcNetworkOptions options) {
  return std::make_unique<VpcNetworkProvider>(std::move(options));
}

}  // namespace nimbus::ecs
