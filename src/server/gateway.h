// The gateway: every request enters here. It serves nimbus's own routes (/_nimbus/...) and
// registered raw routes (the Lambda Runtime API, the OCI registry), and otherwise routes the
// request to an AWS service the way clients address them, authenticates it and hands it to that
// service's ServiceEndpoint::Dispatch (decode, run the operation, encode).
// Thread-safe after construction: Handle() runs concurrently on every event loop.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/aws_error.h"
#include "core/http.h"
#include "protocol/provider.h"
#include "protocol/router.h"
#include "protocol/service_endpoint.h"

namespace nimbus {

struct AuthOutcome {
  std::string scope_service;  // SigV4 credential-scope service; "" when unsigned/unparsable
  CallerIdentity identity;    // valid when ok
  bool ok = true;
  int failure = 0;     // authenticator-specific failure kind when !ok
  std::string detail;  // failure detail for the error message
};

// Authentication behind an interface so the gateway does not depend on SigV4 details.
class RequestAuthenticator {
 public:
  virtual ~RequestAuthenticator() = default;
  // Parses (and in strict mode verifies) the request's signature. Cheap in open mode.
  virtual AuthOutcome Authenticate(const HttpRequest& request) const = 0;
  // The AWS error a failed outcome answers with, in the words of a `protocol` service.
  virtual AwsError ErrorFor(const AuthOutcome& outcome, std::string_view protocol) const = 0;
};

class Gateway : public RouteTable {
 public:
  // Takes ownership of the services (checked by ServiceEndpoint::Create) and lets each register
  // its raw routes; `auth` must outlive the gateway.
  Gateway(std::vector<std::unique_ptr<ServiceEndpoint>> services, const RequestAuthenticator& auth);
  ~Gateway() override;

  // Adds a raw route (before serving). Longest prefix wins.
  void AddRoute(std::string prefix, RawHandler handler) override;
  void AddStreamingRoute(std::string prefix, RawHandler handler) override;
  // Tells every provider the server is draining (Provider::Shutdown).
  void Shutdown();
  // True once every provider reports Stopped() after Shutdown().
  bool Stopped() const;
  // Providers' start-up notes, one per line.
  std::vector<std::string> StartupNotes() const;
  // Handles one request. Never throws. Reads the body (request.body_stream) unless a streaming
  // route takes the request.
  boost::asio::awaitable<HttpResponse> Handle(HttpRequest& request);
  // Model names of the services served, sorted.
  std::vector<std::string> ServiceNames() const;

 private:
  void Add(std::string prefix, RawHandler handler, bool streaming);
  boost::asio::awaitable<HttpResponse> HandleAws(HttpRequest& request);
  HttpResponse Health() const;

  const RequestAuthenticator& auth_;
  std::vector<std::unique_ptr<ServiceEndpoint>> services_;
  std::unique_ptr<ServiceRouter> router_;
  struct Route {
    std::string prefix;
    RawHandler handler;
    bool streaming;
  };
  std::vector<Route> routes_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace nimbus
