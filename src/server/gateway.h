// The gateway: every request enters here. It serves nimbus's own routes (/_nimbus/...) and
// registered raw routes (the Lambda Runtime API, the OCI registry), and otherwise routes the
// request to an AWS service the way clients address them, authenticates it and hands it to that
// service's ServiceEndpoint::Dispatch (decode, run the operation, encode).
// Thread-safe after construction: Handle() runs concurrently on every event loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/aws_error.h"
#include "core/http.h"
#include "protocol/provider.h"
#include "protocol/router.h"
#include "protocol/service_endpoint.h"

namespace nimbus {

// What the service a request was routed to requires of its credential scope.
struct AuthEndpoint {
  std::string_view service;       // the service's signing name; "" = not routed
  std::string_view region;        // the region the Host names; "" = any
  bool unsigned_payload = false;  // UNSIGNED-PAYLOAD allowed (S3-style services)
};

struct AuthOutcome {
  std::string scope_service;  // SigV4 credential-scope service; "" when unsigned/unparsable
  CallerIdentity identity;    // valid when ok
  bool ok = true;
  // Valid so far, but the signature or the declared payload hash covers the body, which was
  // not read yet: VerifyBody decides once it is.
  bool body_pending = false;
  int failure = 0;     // authenticator-specific failure kind when !ok
  std::string detail;  // failure detail for the error message
};

// Authentication behind an interface so the gateway does not depend on SigV4 details.
class RequestAuthenticator {
 public:
  // Routes a request from its credential-scope service ("" when unsigned): the endpoint the
  // request goes to, whose requirements strict mode checks.
  using EndpointFor = std::function<AuthEndpoint(std::string_view scope_service)>;

  virtual ~RequestAuthenticator() = default;
  // True when signatures are verified (requests must prove who they are).
  virtual bool strict() const = 0;
  // Parses (and in strict mode verifies) what the request's head carries; calls `endpoint_for`
  // exactly once. With `body_unread`, request.body is not the body yet and an outcome may ask
  // for VerifyBody. Cheap in open mode.
  virtual AuthOutcome Authenticate(const HttpRequest& request, bool body_unread,
                                   const EndpointFor& endpoint_for) const = 0;
  // Completes an outcome with body_pending, given the lower-case hex SHA-256 of the body now in
  // request.body.
  virtual AuthOutcome VerifyBody(const HttpRequest& request, AuthOutcome head,
                                 std::string_view body_sha256) const = 0;
  // The AWS error a failed outcome answers with, in the words of a `protocol` service.
  virtual AwsError ErrorFor(const AuthOutcome& outcome, std::string_view protocol) const = 0;
};

class Gateway : public RouteTable, private RequestVerifier {
 public:
  // Judges a body by its lower-case hex SHA-256: nullopt when it holds, else the refusal.
  using BodyJudge = std::function<std::optional<HttpResponse>(std::string_view sha256_hex)>;

  // Takes ownership of the services (checked by ServiceEndpoint::Create) and lets each register
  // its raw routes; `auth` must outlive the gateway.
  Gateway(std::vector<std::unique_ptr<ServiceEndpoint>> services, const RequestAuthenticator& auth);
  ~Gateway() override;

  // Adds a raw route (before serving). Longest prefix wins; a prefix matches whole path
  // segments ("/v2" takes "/v2" and "/v2/...", not "/v2x").
  void AddRoute(std::string prefix, RawHandler handler) override;
  void AddStreamingRoute(std::string prefix, RawHandler handler) override;
  void AddHostRoute(std::string host_label, std::string path_prefix,
                    VerifiedHandler handler) override;
  // Tells every provider the server is draining (Provider::Shutdown).
  void Shutdown();
  // True once every provider reports Stopped() after Shutdown().
  bool Stopped() const;
  // Providers' start-up notes, one per line.
  std::vector<std::string> StartupNotes() const;
  // Handles one request. Never throws. Reads the body (request.body_stream) unless a streaming
  // route takes the request, or an AWS request is refused from its head alone (the response
  // then closes the connection).
  boost::asio::awaitable<HttpResponse> Handle(HttpRequest& request);
  // Model names of the services served, sorted.
  std::vector<std::string> ServiceNames() const;

 private:
  void Add(std::string prefix, RawHandler handler, bool streaming);
  // RequestVerifier, for host routes.
  RouteAuth Verify(const HttpRequest& request, std::string_view signing_service) const override;
  // The host route `request` is addressed to, nullptr for none.
  const VerifiedHandler* HostRouteOf(const HttpRequest& request) const;
  boost::asio::awaitable<HttpResponse> HandleAws(HttpRequest& request);
  // Routes a request from its credential-scope service, for RequestAuthenticator::EndpointFor.
  struct ScopeRouter {
    const Gateway* gateway;
    const HttpRequest* request;
    int index = -1;  // the service routed to; -1 = none
    AuthEndpoint operator()(std::string_view scope_service);
  };
  AuthOutcome Authenticate(const HttpRequest& request, bool body_unread,
                           ScopeRouter& router) const;
  // HandleAws for a request whose head held up (or, in open mode, could not be routed) and
  // whose body is still to be read: reads it (verifying its hash), routes on it if need be,
  // dispatches. `service` is the head's route, nullptr for none.
  boost::asio::awaitable<HttpResponse> HandleAwsBody(HttpRequest& request, AuthOutcome auth,
                                                     const ServiceEndpoint* service);
  // The refusal of a failed `auth` (or of a body over the service's limit) in `service`'s
  // protocol; it closes the connection when the body was left unread.
  HttpResponse Refuse(const HttpRequest& request, const ServiceEndpoint& service,
                      const AuthOutcome& auth, bool too_large) const;
  // Reads the body (request.body_stream) into request.body and, when `auth` asks for it,
  // completes authentication with its hash, computed as the body arrives (a mismatch fails the
  // read at the last byte: the server answers with the refusal in `service`'s protocol, or
  // FallbackService's when null). False when the body could not be read (the server answers).
  boost::asio::awaitable<bool> ReadBody(HttpRequest& request, AuthOutcome& auth,
                                        const ServiceEndpoint* service);
  // Reads the body; with `hash`, its SHA-256 is computed as it arrives (request.body_sha256)
  // and handed to `judge` (if any) at the last byte, whose refusal fails the read.
  boost::asio::awaitable<bool> ReadBodyChecked(HttpRequest& request, bool hash, BodyJudge judge);
  // The service whose protocol answers a request refused before it could be routed (strict
  // mode, unsigned or invalid, and nothing in the head names a service): the first query
  // service for a form body, else the first JSON one. nullptr when none is served.
  const ServiceEndpoint* FallbackService(const HttpRequest& request) const;
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
  struct HostRoute {
    std::string host_label;
    std::string path_prefix;
    VerifiedHandler handler;
  };
  std::vector<HostRoute> host_routes_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace nimbus
