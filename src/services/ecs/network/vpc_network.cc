#include "services/ecs/network/vpc_network.h"

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "core/ids.h"
#include "sandbox/netns_pool.h"
#include "sandbox/veth.h"
#include "services/ecs/network/account_vpcs.h"
#include "services/ecs/network/port_forwarder.h"
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
    forwarders_.clear();
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

  Value network_bindings(const std::string& name) const override {
    auto it = bindings_.find(name);
    return it == bindings_.end() ? Value::array() : it->second;
  }

  // Publishes container `name`'s port mappings (host mode: records them only).
  Status Publish(const std::string& name, const Value& mappings, boost::asio::io_context* loop);

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
  std::map<std::string, Value> bindings_;
  std::vector<std::unique_ptr<PortForwarder>> forwarders_;  // closed before the lease goes
};

// "CannotStartContainerError: ..." as Docker's daemon words a port it cannot publish.
Status CannotPublish(const std::string& container, const std::string& what) {
  return Status::Unavailable(
      "CannotStartContainerError: Error response from daemon: driver failed programming "
      "external connectivity on endpoint " +
      container + ": " + what);
}

Status VpcTaskNetwork::Publish(const std::string& name, const Value& mappings,
                               boost::asio::io_context* loop) {
  Value& out = bindings_[name];
  out = Value::array();
  if (!mappings.is_array()) return Status::Ok();
  for (const Value& pm : mappings) {
    if (!pm.is_object()) continue;
    if (pm.contains("containerPortRange")) {
      return CannotPublish(name, "nimbus does not publish containerPortRange mappings yet");
    }
    int64_t container_port = OptInt(pm, "containerPort").value_or(0);
    int64_t host_port = OptInt(pm, "hostPort").value_or(mode_ == "bridge" ? 0 : container_port);
    std::string protocol = Str(pm, "protocol", "tcp");
    if (container_port <= 0 || container_port > 65535 || host_port < 0 || host_port > 65535) {
      return CannotPublish(name, "invalid port mapping " + pm.dump());
    }
    if (mode_ == "host") {
      out.push_back(Value{{"bindIP", "0.0.0.0"},
                          {"containerPort", container_port},
                          {"hostPort", host_port == 0 ? container_port : host_port},
                          {"protocol", protocol}});
      continue;
    }
    if (protocol != "tcp") {
      return CannotPublish(name, "nimbus publishes only tcp ports, not " + protocol + " port " +
                                     std::to_string(container_port));
    }
    if (loop == nullptr) return CannotPublish(name, "nimbus publishes no ports in this process");
    ForwardTarget target{netns_fd(), Ipv4Text(lease_->address),
                         static_cast<uint16_t>(container_port)};
    auto forwarder = PortForwarder::Open(*loop, static_cast<uint16_t>(host_port), target);
    if (!forwarder.ok()) return CannotPublish(name, forwarder.error().message());
    out.push_back(Value{{"bindIP", "127.0.0.1"},
                        {"containerPort", container_port},
                        {"hostPort", (*forwarder)->port()},
                        {"protocol", "tcp"}});
    forwarders_.push_back(std::move(*forwarder));
  }
  return Status::Ok();
}

std::string FirstSubnet(const Value& network_configuration) {
  const Value* vpc = Member(network_configuration, "awsvpcConfiguration");
  const Value* subnets = vpc ? Member(*vpc, "subnets") : nullptr;
  if (subnets == nullptr || !subnets->is_array() || subnets->empty()) return "";
  return (*subnets)[0].is_string() ? (*subnets)[0].get<std::string>() : "";
}

class VpcNetworkProvider : public TaskNetworkProvider {
 public:
  explicit VpcNetworkProvider(VpcNetworkOptions options)
      : namespaces_(options.namespaces),
        vpcs_(options.namespaces, options.state_dir),
        loops_(std::move(options.loops)) {}

  Result<std::unique_ptr<TaskNetwork>> Create(const TaskNetworkRequest& request) override {
    const std::string& mode = request.network_mode;
    if (mode == "host") {
      auto network =
          std::make_unique<VpcTaskNetwork>(mode, sandbox::PreparedNetwork(), nullptr, &vpcs_);
      if (Status st = PublishAll(*network, request); !st.ok()) return st;
      return std::unique_ptr<TaskNetwork>(std::move(network));
    }
    if (mode != "none" && mode != "bridge" && mode != "awsvpc") {
      return Status::InvalidArgument("network mode '" + mode + "' is not supported");
    }
    sandbox::NetnsPool& pool = Pool();
    auto ns = pool.Take();
    if (!ns.ok()) return Status::Internal("network namespace: " + ns.error().message());
    int netns = ns->netns.get();
    // As Docker does in a container's own namespace: any port may be bound (root in the
    // container has no capability over a namespace nimbus made, so httpd -p 80 would fail).
    if (Status st = sandbox::SetNetSysctl(netns, "ipv4/ip_unprivileged_port_start", "0");
        !st.ok()) {
      pool.Release(std::move(*ns));
      return Status::Internal("network namespace: " + st.message());
    }
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
    if (Status st = PublishAll(*network, request); !st.ok()) return st;
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

  Status PublishAll(VpcTaskNetwork& network, const TaskNetworkRequest& request) {
    const Value* defs = Member(request.task_definition, "containerDefinitions");
    if (defs == nullptr || !defs->is_array()) return Status::Ok();
    for (const Value& def : *defs) {
      const Value* mappings = Member(def, "portMappings");
      if (mappings == nullptr) continue;
      boost::asio::io_context* loop =
          loops_.empty() ? nullptr : loops_[next_loop_++ % loops_.size()];
      if (Status st = network.Publish(Str(def, "name"), *mappings, loop); !st.ok()) return st;
    }
    return Status::Ok();
  }

  std::shared_ptr<sandbox::NetworkNamespaces> namespaces_;
  AccountVpcs vpcs_;
  const std::vector<boost::asio::io_context*> loops_;
  std::atomic<size_t> next_loop_{0};
  std::mutex mu_;
  std::unique_ptr<sandbox::NetnsPool> pool_;  // after vpcs_: destroyed first
};

}  // namespace

std::unique_ptr<TaskNetworkProvider> MakeVpcNetworkProvider(VpcNetworkOptions options) {
  return std::make_unique<VpcNetworkProvider>(std::move(options));
}

}  // namespace nimbus::ecs
