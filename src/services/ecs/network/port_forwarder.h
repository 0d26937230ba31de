// A published port of a task: a listener nimbus opens on the host's 127.0.0.1 that forwards
// each TCP connection into the task's network namespace (to the task's address and the
// container port), as docker-proxy does for Docker's published ports. Bytes are copied both
// ways on one of nimbus's event loops (TCP_NODELAY on both sockets); a half-close is passed on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace nimbus::ecs {

struct ForwardTarget {
  int netns = -1;       // the task's namespace (not owned; outlives the forwarder)
  std::string address;  // where to connect inside it, e.g. "172.31.0.4"
  uint16_t port = 0;    // the container port
};

// Thread-safe to create and destroy from any thread.
class PortForwarder {
 public:
  // Listens on 127.0.0.1:`host_port` (0: a free port) and serves on `loop`. Errors:
  // Unavailable "Bind for 127.0.0.1:8080 failed: port is already allocated" when the port is
  // taken, Unavailable naming the failure otherwise.
  static Result<std::unique_ptr<PortForwarder>> Open(boost::asio::io_context& loop,
                                                     uint16_t host_port, ForwardTarget target);
  // Stops listening and closes every forwarded connection (on the loop, soon after).
  virtual ~PortForwarder() = default;
  virtual uint16_t port() const = 0;
};

}  // namespace nimbus::ecs
