#include "services/ecs/network/vpc_network.h"

#include <fcntl.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "core/ids.h"
#include "sandbox/netns_pool.h"
#include "sandbox/veth.h"
#include "services/ecs/network/account_vpcs.h"
#include "services/ecs/network/metadata_endpoint.h"
#include "services/ecs/network/port_forwarder.h"
#include "services/ecs/network/task_stats.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

constexpr uint16_t kMetadataPort = 80;
constexpr uint16_t kApiPort = 4566;  // AWS_ENDPOINT_URL inside tasks: nimbus's usual port

// An account's listeners at 169.254.170.2 in its VPC namespace, and the tasks they serve by
// address.
struct VpcEndpoint {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const MetadataSource>> by_address;
  std::unique_ptr<Listener> metadata, api;
};

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
    if (source_) RevokeIssued(*source_);
    outbound_.reset();  // stops pasta (blocks up to about a second)
    metadata_.reset();
    if (vpc_endpoint_) {
      std::lock_guard<std::mutex> lock(vpc_endpoint_->mu);
      vpc_endpoint_->by_address.erase(address_);
    }
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

  // What the metadata shows of this network.
  MetadataNetwork metadata_network() const {
    MetadataNetwork n;
    n.mode = mode_;
    if (!lease_) return n;
    n.ipv4 = Ipv4Text(lease_->address);
    if (eni_) {
      n.mac = MacText(lease_->mac);
      n.subnet_cidr = lease_->subnet.cidr();
      n.gateway_cidr =
          Ipv4Text(lease_->subnet.gateway()) + "/" + std::to_string(lease_->subnet.prefix);
      n.dns_name = DnsName(lease_->address, eni_->region);
    }
    return n;
  }

  // Serves `source` for this task: through `vpc` (its account's listeners at 169.254.170.2,
  // which find the task by its address), or, in the host's namespace (vpc null), with a
  // private listener on the host's loopback and the API at `host_endpoint_url`.
  Status ServeEndpoints(ListenerFactory& listeners, std::shared_ptr<MetadataSource> source,
                        std::shared_ptr<VpcEndpoint> vpc, const std::string& host_endpoint_url) {
    tokens_.clear();
    for (const auto& [token, name] : source->containers) tokens_[name] = token;
    has_role_ = !source->credentials_id.empty();
    credentials_id_ = source->credentials_id;
    source_ = source;
    if (vpc == nullptr) {
      std::shared_ptr<const MetadataSource> fixed = std::move(source);
      auto opened =
          listeners.Listen(MetadataHandler([fixed](const HttpRequest&) { return fixed; }));
      if (!opened.ok()) return opened.error();
      metadata_ = std::move(*opened);
      base_ = "http://127.0.0.1:" + std::to_string(metadata_->port());
      endpoint_url_ = host_endpoint_url;
      return Status::Ok();
    }
    address_ = source->network.ipv4;
    {
      std::lock_guard<std::mutex> lock(vpc->mu);
      vpc->by_address[address_] = std::move(source);
    }
    vpc_endpoint_ = std::move(vpc);
    base_ = std::string("http://") + kTaskEndpointAddress;
    endpoint_url_ = base_ + ":" + std::to_string(kApiPort);
    return Status::Ok();
  }

  void OnContainerStarted(const std::string& name, const std::string& runtime_id,
                          const ContainerCgroups& cgroups) override {
    if (stats_) stats_->Add(name, runtime_id, cgroups);
  }
  void SetStats(std::shared_ptr<TaskStats> stats) { stats_ = std::move(stats); }
  void SetOutbound(std::unique_ptr<sandbox::OutboundLink> link) { outbound_ = std::move(link); }

  Value network_interfaces(const std::string&) const override {
    Value out = Value::array();
    if (eni_) {
      out.push_back(Value{{"attachmentId", eni_->attachment_id},
                          {"privateIpv4Address", Ipv4Text(lease_->address)}});
    }
    return out;
  }

  std::vector<std::string> environment(const std::string& name) const override {
    std::vector<std::string> env;
    auto token = tokens_.find(name);
    if (token == tokens_.end()) return env;
    env.push_back("ECS_CONTAINER_METADATA_URI_V4=" + base_ + "/v4/" + token->second);
    env.push_back("ECS_CONTAINER_METADATA_URI=" + base_ + "/v3/" + token->second);
    if (has_role_) {
      std::string path = "/v2/credentials/" + credentials_id_;
      // SDKs resolve the relative URI against 169.254.170.2, which a host task cannot reach.
      env.push_back(network_.netns.valid() ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=" + path
                                           : "AWS_CONTAINER_CREDENTIALS_FULL_URI=" + base_ + path);
    }
    env.push_back("AWS_ENDPOINT_URL=" + endpoint_url_);
    return env;
  }

 private:
  std::string mode_;
  sandbox::PreparedNetwork network_;
  sandbox::NetnsPool* pool_;
  AccountVpcs* vpcs_;
  std::optional<VpcLease> lease_;
  std::optional<Eni> eni_;
  std::map<std::string, Value> bindings_;
  std::vector<std::unique_ptr<PortForwarder>> forwarders_;  // closed before the lease goes
  std::unique_ptr<Listener> metadata_;                      // host mode's
  std::shared_ptr<VpcEndpoint> vpc_endpoint_;
  std::shared_ptr<TaskStats> stats_;
  std::shared_ptr<const MetadataSource> source_;
  std::unique_ptr<sandbox::OutboundLink> outbound_;
  std::string address_;
  std::map<std::string, std::string> tokens_;  // container name -> its metadata URI token
  bool has_role_ = false;
  std::string credentials_id_, base_, endpoint_url_;
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
        loops_(std::move(options.loops)),
        listeners_(options.listeners),
        store_(std::move(options.store)),
        clock_(options.clock),
        host_endpoint_url_(std::move(options.host_endpoint_url)),
        outbound_(std::move(options.outbound)),
        issuer_(options.issuer) {}

  Result<std::unique_ptr<TaskNetwork>> Create(const TaskNetworkRequest& request) override {
    const std::string& mode = request.network_mode;
    if (mode == "host") {
      auto network =
          std::make_unique<VpcTaskNetwork>(mode, sandbox::PreparedNetwork(), nullptr, &vpcs_);
      if (Status st = PublishAll(*network, request); !st.ok()) return st;
      if (Status st = Serve(*network, request); !st.ok()) return st;
      return std::unique_ptr<TaskNetwork>(std::move(network));
    }
    if (mode != "none" && mode != "bridge" && mode != "awsvpc") {
      return Status::InvalidArgument("network mode '" + mode + "' is not supported");
    }
    sandbox::NetnsPool& pool = Pool();
    auto ns = pool.Take();
    if (!ns.ok()) return Status::Internal("network namespace: " + ns.error().message());
    int netns = ns->netns.get();
    auto network = std::make_unique<VpcTaskNetwork>(mode, std::move(*ns), &pool, &vpcs_);
    // none: no network, so no endpoint either (as on AWS, where the agent is not reachable).
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
    if (outbound_) {
      auto link = outbound_->Connect(netns);
      if (!link.ok()) return Status(link.error().code(), "outbound: " + link.error().message());
      network->SetOutbound(std::move(*link));
    }
    if (Status st = PublishAll(*network, request); !st.ok()) return st;
    if (Status st = Serve(*network, request); !st.ok()) return st;
    return std::unique_ptr<TaskNetwork>(std::move(network));
  }

 private:
  // Made at the first task (not at start-up): a few namespaces kept ready ahead of launches.
  sandbox::NetnsPool& Pool() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_) {
      sandbox::NetnsPoolOptions options;
      options.ready = 2;
      // As Docker does in a container's own namespace: any port may be bound (root in the
      // container has no capability over a namespace nimbus made, so httpd -p 80 would fail).
      options.net_sysctls = {{"ipv4/ip_unprivileged_port_start", "0"}};
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

  // The task's metadata, credentials and API endpoints (none without a listener factory).
  Status Serve(VpcTaskNetwork& network, const TaskNetworkRequest& request) {
    if (listeners_ == nullptr || !store_ || clock_ == nullptr) return Status::Ok();
    auto source = std::make_shared<MetadataSource>();
    source->store = store_;
    source->scope = request.scope;
    source->task_id = request.task_id;
    source->task_definition = request.task_definition;
    source->network = network.metadata_network();
    source->clock = clock_;
    source->issuer = issuer_;
    source->issued = std::make_shared<IssuedKeys>();
    int netns = network.netns_fd();
    auto stats = std::make_shared<TaskStats>(
        sandbox::UniqueFd(netns >= 0 ? ::fcntl(netns, F_DUPFD_CLOEXEC, 3) : -1), *clock_);
    source->stats = [stats] { return stats->Sample(); };
    source->started = [stats] { return stats->Started(); };
    network.SetStats(stats);
    const Value* defs = Member(request.task_definition, "containerDefinitions");
    if (defs != nullptr && defs->is_array()) {
      for (const Value& def : *defs) {
        // As Fargate's: the task id and a number per container.
        std::string digits = std::to_string(1000000000 + SystemRandom().Next() % 1000000000);
        source->containers[request.task_id + "-" + digits] = Str(def, "name");
      }
    }
    std::string role = Str(request.task_definition, "taskRoleArn");
    if (auto row = store_->GetTask(request.scope, request.task_id); row.ok() && *row) {
      const Value* ov = Member((*row)->body, "overrides");
      if (ov != nullptr && !Str(*ov, "taskRoleArn").empty()) role = Str(*ov, "taskRoleArn");
    }
    if (!role.empty()) {
      source->role_arn = role;
      source->credentials_id = NewUuid();
    }
    std::shared_ptr<VpcEndpoint> vpc;
    if (network.netns_fd() >= 0) {
      auto endpoint = EndpointOf(request.scope.account);
      if (!endpoint.ok()) {
        return Status(endpoint.error().code(),
                      "task metadata endpoint: " + endpoint.error().message());
      }
      vpc = std::move(*endpoint);
    }
    Status st =
        network.ServeEndpoints(*listeners_, std::move(source), std::move(vpc), host_endpoint_url_);
    if (!st.ok()) return Status(st.code(), "task metadata endpoint: " + st.message());
    return Status::Ok();
  }

  // `account`'s listeners at 169.254.170.2:80 (metadata, credentials) and :4566 (the AWS API),
  // opened in its VPC namespace at its first task.
  Result<std::shared_ptr<VpcEndpoint>> EndpointOf(const std::string& account) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = endpoints_.find(account);
    if (it != endpoints_.end()) return it->second;
    auto ns = vpcs_.NamespaceOf(account);
    if (!ns.ok()) return ns.error();
    auto endpoint = std::make_shared<VpcEndpoint>();
    auto metadata_fd = namespaces_->Listen(*ns, {kTaskEndpointAddress, kMetadataPort}, 128);
    if (!metadata_fd.ok()) return metadata_fd.error();
    auto api_fd = namespaces_->Listen(*ns, {kTaskEndpointAddress, kApiPort}, 128);
    if (!api_fd.ok()) return api_fd.error();
    std::weak_ptr<VpcEndpoint> weak = endpoint;
    auto lookup = [weak](const HttpRequest& request) -> std::shared_ptr<const MetadataSource> {
      auto self = weak.lock();
      if (!self) return nullptr;
      std::string ip = request.remote_address.substr(0, request.remote_address.rfind(':'));
      std::lock_guard<std::mutex> lock(self->mu);
      auto found = self->by_address.find(ip);
      return found == self->by_address.end() ? nullptr : found->second;
    };
    auto metadata = listeners_->Serve(metadata_fd->release(), MetadataHandler(std::move(lookup)));
    if (!metadata.ok()) return metadata.error();
    auto api = listeners_->ServeGateway(api_fd->release());
    if (!api.ok()) return api.error();
    endpoint->metadata = std::move(*metadata);
    endpoint->api = std::move(*api);
    endpoints_[account] = endpoint;
    return endpoint;
  }

  std::shared_ptr<sandbox::NetworkNamespaces> namespaces_;
  AccountVpcs vpcs_;
  const std::vector<boost::asio::io_context*> loops_;
  ListenerFactory* const listeners_;
  const std::shared_ptr<EcsStore> store_;
  const Clock* const clock_;
  const std::string host_endpoint_url_;
  const std::shared_ptr<sandbox::Outbound> outbound_;
  auth::CredentialIssuer* const issuer_;
  std::atomic<size_t> next_loop_{0};
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<VpcEndpoint>> endpoints_;  // by account
  std::unique_ptr<sandbox::NetnsPool> pool_;  // after vpcs_: destroyed first
};

}  // namespace

std::unique_ptr<TaskNetworkProvider> MakeVpcNetworkProvider(VpcNetworkOptions options) {
  return std::make_unique<VpcNetworkProvider>(std::move(options));
}

}  // namespace nimbus::ecs
