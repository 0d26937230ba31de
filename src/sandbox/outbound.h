// Outbound traffic for a network namespace nimbus made (netns.h): pasta (Debian's passt)
// attaches to the namespace with a tap interface that takes the host's addresses and routes,
// and carries the namespace's connections out through ordinary sockets of the host. Nothing
// comes in: no port is forwarded either way, and the gateway address is not mapped to the
// host's loopback, so the namespace still reaches no socket of the host's own loopback.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace nimbus::sandbox {

// An attached outbound link. Destroying it detaches it (stops pasta, removes what it needed);
// it blocks for that (up to about a second), so destroy it off latency-sensitive paths.
class OutboundLink {
 public:
  virtual ~OutboundLink() = default;
};

// Behind an interface so tests can fake it. Thread-safe.
class Outbound {
 public:
  virtual ~Outbound() = default;
  // Connects namespace `netns` (a descriptor, not owned; it may be closed once this returns)
  // and returns once its interface is configured. Blocks (tens of ms). Errors: Unavailable
  // naming what failed (pasta's own message when it exits).
  virtual Result<std::unique_ptr<OutboundLink>> Connect(int netns) = 0;
};

// pasta found on PATH, or null when it is not installed. It needs a file to bind each
// namespace to: under `state_dir` (created), where links left by a nimbus that died are
// removed now. Needs root. `ns_ifname` names pasta's interface in each namespace (empty: the
// host's default-route interface's name, which must then be free there).
std::unique_ptr<Outbound> PastaOutbound(const std::string& state_dir,
                                        const std::string& ns_ifname = "");

// Removes the links left under `state_dir` by nimbus processes that are gone (a bind mount
// keeps its namespace, and so its pasta, alive), whether or not outbound is on now.
void RemoveStaleOutboundLinks(const std::string& state_dir);

}  // namespace nimbus::sandbox
