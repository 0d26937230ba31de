#include "services/lambda/invoke/environment_network.h"

#include <utility>

namespace nimbus::lambda {

namespace {
constexpr char kLoopback[] = "127.0.0.1";
// Enough for every environment a burst of cold starts takes before the pool's thread catches
// up (one namespace takes it about 0.5-4 ms).
constexpr size_t kReady = 4;
}  // namespace

std::unique_ptr<sandbox::NetnsPool> MakeEnvironmentNetworks(sandbox::NetworkNamespaces& namespaces,
                                                            uint16_t endpoint_port,
                                                            std::string& why) {
  if (endpoint_port == kRuntimeApiPort) endpoint_port = 4566;  // 9001 is the Runtime API's
  auto probe = namespaces.Create({});
  if (!probe.ok()) {
    why = probe.error().message();
    return nullptr;
  }
  sandbox::NetnsPoolOptions options;
  options.endpoints = {{kLoopback, kRuntimeApiPort}, {kLoopback, endpoint_port}};
  options.ready = kReady;
  return std::make_unique<sandbox::NetnsPool>(namespaces, std::move(options));
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
