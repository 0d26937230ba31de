// Private listening sockets for services that need an HTTP endpoint of their own (one per
// Lambda execution environment's Runtime API, so each environment reaches only its own
// invocations). Implemented by the HTTP server; handed to providers through ServiceDeps.
#pragma once

#include <cstdint>
#include <memory>

#include "core/status.h"
#include "protocol/provider.h"

namespace nimbus {

// An open listening socket. Destroying it closes the socket (from any thread); connections
// already accepted continue until their peer closes them.
class Listener {
 public:
  virtual ~Listener() = default;
  virtual uint16_t port() const = 0;
};

class ListenerFactory {
 public:
  virtual ~ListenerFactory() = default;
  // Listens on the server's host, on a free port, serving every request with `handler` (same
  // HTTP features and limits as the main port). Thread-safe.
  virtual Result<std::unique_ptr<Listener>> Listen(RawHandler handler) = 0;
};

}  // namespace nimbus
