// Private listening sockets for services that need an HTTP endpoint of their own (one per
// Lambda execution environment's Runtime API, so each environment reaches only its own
// invocations), opened by the server or handed to it already listening (a socket opened inside
// an environment's network namespace: sandbox/netns.h). Implemented by the HTTP server; handed
// to providers through ServiceContext.
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
  // ServiceContext::loops; kAnyLoop or out of range: round robin), so a provider can keep a
  // conversation on one thread. Requests on private listeners are not in the access log
  // (they are nimbus's internal plumbing, e.g. the Lambda Runtime API). A response whose
  // connection already holds the client's next request (HTTP pipelining) is sent together with
  // the next response, which may come only when that request's handler finishes (a runtime's
  // POST result and GET /next: one write, one wake-up); nothing is held while the server waits
  // to read from the client. Thread-safe.
  virtual Result<std::unique_ptr<Listener>> Listen(RawHandler handler, size_t loop = kAnyLoop) = 0;

  // Serves `listening_fd`, a TCP socket already bound and listening, as Listen serves its own
  // (same handler semantics and loop choice): e.g. a socket nimbus opened inside a sandbox's
  // network namespace, which only the sandbox reaches. Ownership of the descriptor passes to
  // the call (closed when it fails too). Errors: FailedPrecondition before the server is bound,
  // Unavailable while it stops or when the descriptor is not a listening socket. Thread-safe.
  virtual Result<std::unique_ptr<Listener>> Serve(int listening_fd, RawHandler handler,
                                                  size_t loop = kAnyLoop) = 0;
  // Serves `listening_fd` as the main port is served: every request goes to the AWS gateway,
  // with the main port's body handling, authentication and access log (a sandbox's
  // AWS_ENDPOINT_URL inside its namespace). Ownership and errors as Serve.
  virtual Result<std::unique_ptr<Listener>> ServeGateway(int listening_fd,
                                                         size_t loop = kAnyLoop) = 0;
};

}  // namespace nimbus
