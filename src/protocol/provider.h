// The interface every AWS service provider implements: one handler per operation, registered
// by name in an OperationTable. Handlers are plain functions over decoded input.
//
// Threading: handlers run on any event-loop thread, concurrently; providers guard their state.
// Failure: a handler returns an AwsError (never throws across this boundary).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "protocol/call.h"

namespace nimbus {

using SyncHandler = std::function<OpResult(const CallContext&, const Value& input)>;
// For operations that wait (Invoke, long polls): a coroutine on the connection's executor.
using AsyncHandler =
    std::function<boost::asio::awaitable<OpResult>(const CallContext&, Value input)>;

class OperationTable {
 public:
  struct Entry {
    SyncHandler sync;  // exactly one of sync/async is set
    AsyncHandler async;
  };
  void Add(std::string operation, SyncHandler handler);
  void AddAsync(std::string operation, AsyncHandler handler);
  // nullptr when no handler is registered for `operation`.
  const Entry* Find(std::string_view operation) const;
  size_t size() const { return entries_.size(); }
  // The registered operation names, sorted.
  std::vector<std::string> Names() const;

 private:
  std::unordered_map<std::string, Entry> entries_;
};

// A non-AWS HTTP route (Lambda Runtime API, OCI registry): requests whose path starts with a
// prefix go to its handler, a coroutine on the connection's event loop. Must not throw.
using RawHandler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&)>;

// What the server's authenticator makes of a raw request's SigV4 data, for routes that serve
// HTTP requests AWS authenticates (function URLs with AuthType AWS_IAM).
struct RouteAuth {
  bool strict = false;          // signatures are verified (--credentials)
  bool signed_request = false;  // SigV4 in the Authorization header or the query
  bool ok = false;              // strict: proven; open: parsed or absent (nothing verified)
  std::string account_id;       // the caller's account when ok (signed or not)
  std::string access_key_id;    // "" when unsigned
  AwsError error;               // why not ok, in a rest-json service's words (403/400)
};

// Checks raw requests as the gateway checks AWS API calls. Thread-safe.
class RequestVerifier {
 public:
  virtual ~RequestVerifier() = default;
  // Authenticates `request` (its body read) as a call to `signing_service` in the region its
  // Host names (any region when it names none).
  virtual RouteAuth Verify(const HttpRequest& request, std::string_view signing_service) const = 0;
};

// A route whose handler may authenticate what it serves.
using VerifiedHandler =
    std::function<boost::asio::awaitable<HttpResponse>(HttpRequest&, const RequestVerifier&)>;

class RouteTable {
 public:
  virtual ~RouteTable() = default;
  // Registers `handler` for paths starting with `prefix`. Longest prefix wins. The handler gets
  // the whole body in request.body.
  virtual void AddRoute(std::string prefix, RawHandler handler) = 0;
  // The same for a handler that reads the body itself from request.body_stream when set
  // (core/http_body.h), e.g. to stream an upload to disk.
  virtual void AddStreamingRoute(std::string prefix, RawHandler handler) = 0;
  // Requests addressed by Host: those whose Host's second label is `host_label` (e.g.
  // "<url-id>.lambda-url.<region>.localhost:4566" for "lambda-url"), whatever their path, and
  // those whose path is under `path_prefix` (for clients that cannot set the Host), go to
  // `handler` with the whole body in request.body. Host routes are matched before all others.
  virtual void AddHostRoute(std::string host_label, std::string path_prefix,
                            VerifiedHandler handler) = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // The botocore model name this provider implements ("sts", "lambda", "logs", ...).
  virtual std::string_view service_name() const = 0;
  // Registers the provider's handlers. Called once, before serving.
  virtual void RegisterOperations(OperationTable& table) = 0;
  // Registers raw HTTP routes, if the service has any. Called once, before serving.
  virtual void RegisterRoutes(RouteTable& /*routes*/) {}
  // Called once when the server starts draining (SIGTERM): end long polls, stop background
  // work and child processes. Called from an event-loop thread; must not block for long.
  virtual void Shutdown() {}
  // After Shutdown(): true once the provider's background work and child processes are gone
  // (the server keeps serving their I/O until then, for at most a couple of seconds).
  virtual bool Stopped() const { return true; }
  // One line for the console at start-up (e.g. which sandbox limits this host enforces), or "".
  virtual std::string StartupNote() const { return ""; }
  // The largest request body the service takes (its largest operation's AWS limit); a larger
  // one is answered 413 RequestEntityTooLargeException before any of it is read. 0 = the
  // server's limit for bodies held in memory.
  virtual uint64_t max_request_body_bytes() const { return 0; }
};

}  // namespace nimbus
