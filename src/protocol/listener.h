// Private listening sockets for services that need an HTTP endpoint of their own (one per
// Lambda execution environment's Runtime API, so each environment reaches only its own
// invocations). Implemented by the HTTP server; handed to providers through ServiceDeps.
#pragma once

#include <cstddef>
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
  static constexpr size_t kAnyLoop = static_cast<size_t>(-1);

  // Listens on the server's host, on a free port, serving every request with `handler` (same
  // HTTP features and limits as the main port; a chunked request body comes as
  // request.body_stream, any other whole in request.body) on event loop `loop` (an index into
  // ServiceDeps::loops; kAnyLoop or out of range: round robin), so a provider can keep a
  // conversation on one thread. Requests on private listeners are not in the access log
  // (they are nimbus's internal plumbing, e.g. the Lambda Runtime API). A response whose
  // connection already holds the client's next request (HTTP pipelining) is sent together with
  // the next response, which may come only when that request's handler finishes (a runtime's
  // POST result and GET /next: one write, one wake-up); nothing is held while the server waits
  // to read from the client. Thread-safe.
  virtual Result<std::unique_ptr<Listener>> Listen(RawHandler handler, size_t loop = kAnyLoop) = 0;
};

}  // namespace nimbus
