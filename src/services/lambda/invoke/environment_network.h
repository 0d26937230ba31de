// The network of a Lambda execution environment: a namespace of its own (sandbox/netns.h) in
// which nimbus serves the Runtime API at 127.0.0.1:9001, as AWS does, and its AWS endpoint
// (AWS_ENDPOINT_URL) at 127.0.0.1 and the main port's number (4566 if that is 9001). No other
// environment and no process of the host reaches either; the environment reaches nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "protocol/listener.h"
#include "protocol/provider.h"
#include "sandbox/netns.h"
#include "sandbox/netns_pool.h"
#include "sandbox/outbound.h"

namespace nimbus::lambda {

inline constexpr uint16_t kRuntimeApiPort = 9001;

// What the environment's processes are told and the listeners behind it.
struct EnvironmentEndpoints {
  std::unique_ptr<Listener> runtime_api;
  std::unique_ptr<Listener> endpoint;
  std::string runtime_api_address;  // AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001"
  std::string endpoint_url;         // AWS_ENDPOINT_URL: "http://127.0.0.1:<port>"
};

// What environments' networks are made with, owned together (destroyed pool first).
struct EnvironmentNetworks {
  std::unique_ptr<sandbox::NetworkNamespaces> namespaces;
  std::unique_ptr<sandbox::Outbound> outbound;  // --lambda-outbound on; else null
  std::unique_ptr<sandbox::NetnsPool> pool;     // null: environments use the host's network
  std::string note;                             // why pool is null
};

// A pool of namespaces prepared for environments (sockets at 127.0.0.1:9001 and
// 127.0.0.1:`endpoint_port`; with `outbound`, each connected to the world through pasta, whose
// files live under `state_dir`), when sandboxes can join them (`joinable`; not so in a user
// namespace of their own, i.e. without root). Without, pool is null and note says why. With
// `outbound` it first makes one, so that an outbound that cannot be had is an error at start
// (FailedPrecondition), never a silent fallback; otherwise the pool makes the first ones in the
// background, and a launch whose namespace cannot be made fails naming why.
Result<EnvironmentNetworks> MakeEnvironmentNetworks(
    std::unique_ptr<sandbox::NetworkNamespaces> namespaces, bool joinable, uint16_t endpoint_port,
    bool outbound, const std::string& state_dir);

// Serves a namespace taken from that pool: its Runtime API socket with `runtime_api`, its
// endpoint socket with the gateway, both on event loop `loop`. Takes the sockets out of
// `network.listeners` (the namespace descriptor stays). Errors: those of ListenerFactory.
Result<EnvironmentEndpoints> ServeInNamespace(ListenerFactory& listeners,
                                              sandbox::PreparedNetwork& network,
                                              RawHandler runtime_api, size_t loop);

}  // namespace nimbus::lambda
