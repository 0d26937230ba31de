// Network namespaces for sandboxes: one per Lambda execution environment (and, later, per ECS
// task). A namespace nimbus makes has only the loopback interface, up, plus any addresses asked
// for on it (ECS answers at 169.254.170.2 inside its tasks'); nothing routes in or out of it.
// nimbus serves the environment by opening listening sockets inside it (Listen): they are
// reachable from the processes that joined the namespace (SandboxSpec::netns_fd) and from
// nobody else, while nimbus's own event loops accept on them like on any other socket.
//
// Creating a namespace costs about 0.5-4 ms (more under load): NetnsPool keeps some ready.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

// A TCP endpoint inside a network namespace: an IPv4 literal and a port (0: a free one).
struct NetEndpoint {
  std::string address;
  uint16_t port = 0;
};

// Makes network namespaces and listens inside them. Behind an interface so tests can fake it.
// Implementations are thread-safe and leave the calling thread's own namespace as it was.
class NetworkNamespaces {
 public:
  virtual ~NetworkNamespaces() = default;

  // A new network namespace: lo up (127.0.0.1/8) with each of `lo_addresses` (IPv4 literals)
  // added to it as a /32. Returns a descriptor of the namespace (CLOEXEC, >= 3), which keeps it
  // alive while open (as do processes in it and sockets opened in it). Blocks for the creation.
  // Errors: InvalidArgument (an address that is not IPv4), Unavailable (not permitted: needs
  // CAP_SYS_ADMIN), Internal (another failure, naming the step).
  virtual Result<UniqueFd> Create(const std::vector<std::string>& lo_addresses) = 0;

  // A TCP socket inside namespace `netns` (a descriptor from Create, not owned), bound to
  // `endpoint` (SO_REUSEADDR) and listening with `backlog`. CLOEXEC, blocking, >= 3.
  // Errors: InvalidArgument (bad address, or `netns` is not a network namespace), Unavailable
  // ("bind 127.0.0.1:9001: Address already in use" and other socket failures).
  virtual Result<UniqueFd> Listen(int netns, const NetEndpoint& endpoint, int backlog) = 0;
};

// A TCP socket (CLOEXEC, not connected) in namespace `netns` (a descriptor, not owned): it
// connects to addresses seen from inside that namespace, from whichever thread uses it. Made on
// a short-lived thread that joins the namespace. Errors: Unavailable naming the failure.
Result<UniqueFd> TcpSocketIn(int netns);

// The kernel's: each call runs on a short-lived thread of its own that switches namespace
// (unshare / setns) and exits, so no thread of nimbus is ever left in another namespace.
std::unique_ptr<NetworkNamespaces> HostNetworkNamespaces();

}  // namespace nimbus::sandbox
