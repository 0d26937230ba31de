#include "services/lambda/invoke/environment_network.h"

#include <utility>

namespace nimbus::lambda {

namespace {
constexpr char kLoopback[] = "127.0.0.1";
// Enough for every environment a burst of cold starts takes before the pool's thread catches
// up (one namespace takes it about 0.5-4 ms).
constexpr size_t kReady = 4;
}  // namespace

Result<EnvironmentNetworks> MakeEnvironmentNetworks(
    std::unique_ptr<sandbox::NetworkNamespaces> namespaces, bool joinable, uint16_t endpoint_port,
    bool outbound, const std::string& state_dir) {
  EnvironmentNetworks out;
  out.namespaces = std::move(namespaces);
  if (!outbound) sandbox::RemoveStaleOutboundLinks(state_dir);  // else PastaOutbound does
  // Where sandboxes can join one, nimbus has CAP_SYS_ADMIN over the host's namespaces and can
  // make network namespaces: the pool's thread makes the first ones, off start-up (a probe
  // namespace made here cost ~4 ms of every start before the ready line). Should one fail
  // after all, the launch that needs it fails, naming why: never the host's network silently.
  // Outbound must know now, to refuse to start.
  if (!joinable) {
    out.note = "sandboxes in a user namespace cannot join one";
  } else if (outbound) {
    if (auto probe = out.namespaces->Create({}); !probe.ok()) out.note = probe.error().message();
  }
  if (!out.note.empty()) {
    if (!outbound) return out;
    return Status::FailedPrecondition("--lambda-outbound needs network namespaces: " + out.note);
  }
  if (outbound) {
    out.outbound = sandbox::PastaOutbound(state_dir);
    if (!out.outbound) {
      return Status::FailedPrecondition(
          "--lambda-outbound needs pasta (Debian package passt) on PATH");
    }
  }
  if (endpoint_port == kRuntimeApiPort) endpoint_port = 4566;  // 9001 is the Runtime API's
  sandbox::NetnsPoolOptions options;
  options.endpoints = {{kLoopback, kRuntimeApiPort}, {kLoopback, endpoint_port}};
  options.ready = kReady;
  options.outbound = out.outbound.get();
  out.pool = std::make_unique<sandbox::NetnsPool>(*out.namespaces, std::move(options));
  return out;
}

Result<EnvironmentEndpoints> ServeInNamespace(ListenerFactory& listeners,
                                              sandbox::PreparedNetwork& network,
                                              RawHandler runtime_api, size_t loop) {
  if (network.listeners.size() != 2) return Status::Internal("namespace without its sockets");
  EnvironmentEndpoints out;
  auto api = listeners.Serve(network.listeners[0].release(), std::move(runtime_api), loop);
  if (!api.ok()) return api.error();
  auto endpoint = listeners.ServeGateway(network.listeners[1].release(), loop);
  if (!endpoint.ok()) return endpoint.error();
  out.runtime_api = std::move(*api);
  out.endpoint = std::move(*endpoint);
  out.runtime_api_address = std::string(kLoopback) + ":" + std::to_string(out.runtime_api->port());
  out.endpoint_url =
      "http://" + std::string(kLoopback) + ":" + std::to_string(out.endpoint->port());
  network.listeners.clear();
  return out;
}

}  // namespace nimbus::lambda
