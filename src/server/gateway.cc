#include "server/gateway.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth/authenticator.h"
#include "auth/crypto.h"
#include "core/http_body.h"
#include "core/ids.h"
#include "server/response_writer.h"

namespace nimbus {

namespace {

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.Add("Content-Type", "application/json");
  return r;
}

// A request nimbus cannot attribute to any service it serves.
HttpResponse UnknownService(const HttpRequest& request, std::string_view scope_service) {
  std::string message = scope_service.empty() ? "nimbus cannot tell which AWS service " +
                                                    request.method + " " + request.path + " is for"
                                              : "nimbus does not serve the AWS service '" +
                                                    std::string(scope_service) + "'";
  HttpResponse r = JsonResponse(404, {{"__type", "UnknownServiceException"}, {"message", message}});
  r.headers.Add("x-amzn-ErrorType", "UnknownServiceException");
  r.headers.Add("x-amzn-RequestId", NewUuid());
  return r;
}

// An awaitable that yields `response` at once.
boost::asio::awaitable<HttpResponse> Ready(HttpResponse response) { co_return response; }

// Hashes a body as it is read and, when given a judge, has it judge the SHA-256 at the body's
// last byte: a body its signature does not cover then fails there, before anyone acts on it.
class PayloadCheck : public HttpBodyCheck {
 public:
  using Judge = Gateway::BodyJudge;
  explicit PayloadCheck(Judge judge) : judge_(std::move(judge)) {}
  void Update(std::string_view bytes) override { hash_.Update(bytes); }
  std::optional<HttpResponse> Verdict() override {
    hex_ = hash_.FinishHex();
    if (!judge_) return std::nullopt;
    return judge_(hex_);
  }
  // The body's lower-case hex SHA-256 once it was read whole; "" before.
  const std::string& hex() const { return hex_; }

 private:
  auth::Sha256Stream hash_;
  Judge judge_;
  std::string hex_;
};

}  // namespace

Gateway::Gateway(std::vector<std::unique_ptr<ServiceEndpoint>> services,
                 const RequestAuthenticator& auth)
    : auth_(auth), services_(std::move(services)), started_(std::chrono::steady_clock::now()) {
  // Routing needs only the embedded routing indexes; models are parsed on first use.
  std::vector<const ServiceRouting*> routings;
  for (auto& service : services_) {
    service->provider().RegisterRoutes(*this);
    routings.push_back(&service->routing());
  }
  router_ = std::make_unique<ServiceRouter>(std::move(routings));
}

Gateway::~Gateway() = default;

std::vector<std::string> Gateway::StartupNotes() const {
  std::vector<std::string> notes;
  for (const auto& s : services_) {
    std::string note = s->provider().StartupNote();
    if (!note.empty()) notes.push_back(std::move(note));
  }
  return notes;
}

bool Gateway::Stopped() const {
  for (const auto& s : services_) {
    if (!s->provider().Stopped()) return false;
  }
  return true;
}

void Gateway::Shutdown() {
  for (auto& s : services_) s->provider().Shutdown();
}

void Gateway::AddRoute(std::string prefix, RawHandler handler) {
  Add(std::move(prefix), std::move(handler), false);
}

void Gateway::AddStreamingRoute(std::string prefix, RawHandler handler) {
  Add(std::move(prefix), std::move(handler), true);
}

void Gateway::AddHostRoute(std::string host_label, std::string path_prefix,
                           VerifiedHandler handler) {
  host_routes_.push_back({std::move(host_label), std::move(path_prefix), std::move(handler)});
}

const VerifiedHandler* Gateway::HostRouteOf(const HttpRequest& request) const {
  if (host_routes_.empty()) return nullptr;
  std::string_view host = request.headers.Get("Host");
  host = host.substr(0, host.find(':'));
  size_t first_dot = host.find('.');
  std::string_view second =
      first_dot == std::string_view::npos ? std::string_view() : host.substr(first_dot + 1);
  second = second.substr(0, second.find('.'));
  for (const HostRoute& r : host_routes_) {
    if (first_dot > 0 && !second.empty() && second == r.host_label) return &r.handler;
    if (!r.path_prefix.empty() && request.path.starts_with(r.path_prefix)) return &r.handler;
  }
  return nullptr;
}

RouteAuth Gateway::Verify(const HttpRequest& request, std::string_view signing_service) const {
  const std::string_view region = auth::RegionNamedByHost(request.headers.Get("Host"));
  auto endpoint = [signing_service, region](std::string_view) -> AuthEndpoint {
    return {signing_service, region, false};
  };
  const RequestAuthenticator::EndpointFor endpoint_for(std::ref(endpoint));
  AuthOutcome outcome = auth_.Authenticate(request, /*body_unread=*/false, endpoint_for);
  RouteAuth r;
  r.strict = auth_.strict();
  r.signed_request = request.headers.Has("Authorization") ||
                     request.query.find("X-Amz-Signature=") != std::string::npos;
  r.ok = outcome.ok;
  if (outcome.ok) {
    r.account_id = std::move(outcome.identity.account_id);
    r.access_key_id = std::move(outcome.identity.access_key_id);
  } else {
    r.error = auth_.ErrorFor(outcome, "rest-json");
  }
  return r;
}

void Gateway::Add(std::string prefix, RawHandler handler, bool streaming) {
  routes_.push_back({std::move(prefix), std::move(handler), streaming});
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    return a.prefix.size() > b.prefix.size();
  });
}

std::vector<std::string> Gateway::ServiceNames() const {
  std::vector<std::string> names;
  for (const auto& s : services_) names.emplace_back(s->routing().name);
  std::sort(names.begin(), names.end());
  return names;
}

HttpResponse Gateway::Health() const {
  double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return JsonResponse(200, {{"status", "ok"},
                            {"version", NIMBUS_VERSION},
                            {"uptime_seconds", uptime},
                            {"services", ServiceNames()}});
}

boost::asio::awaitable<HttpResponse> Gateway::Handle(HttpRequest& request) {
  if (const VerifiedHandler* host_route = HostRouteOf(request)) {
    // A signed request's handler verifies it (Verify) with the body's hash, computed here.
    const bool hash = auth_.strict() && request.headers.Has("Authorization");
    if (!co_await ReadBodyChecked(request, hash, nullptr)) co_return HttpResponse{};
    co_return co_await (*host_route)(request, *this);
  }
  const Route* route = nullptr;
  for (const auto& r : routes_) {
    // A prefix names whole path segments: "/v2" takes "/v2" and "/v2/..." but not "/v2x".
    const std::string& p = r.prefix;
    if (request.path.starts_with(p) &&
        (p.ends_with('/') || request.path.size() == p.size() || request.path[p.size()] == '/')) {
      route = &r;
      break;
    }
  }
  if (route == nullptr && !request.path.starts_with("/_nimbus/")) {
    co_return co_await HandleAws(request);  // reads the body once the head is authenticated
  }
  if (route == nullptr || !route->streaming) {
    if (!co_await ReadRequestBody(request)) co_return HttpResponse{};  // the server answers
  }
  if (request.path.starts_with("/_nimbus/")) {
    if (request.path == "/_nimbus/health" &&
        (request.method == "GET" || request.method == "HEAD")) {
      HttpResponse r = Health();
      r.operation = "nimbus.Health";
      co_return r;
    }
    HttpResponse r = JsonResponse(404, {{"message", "no such nimbus endpoint: " + request.path}});
    co_return r;
  }
  co_return co_await route->handler(request);
}

const ServiceEndpoint* Gateway::FallbackService(const HttpRequest& request) const {
  std::string_view type = request.headers.Get("Content-Type");
  const bool form = type.starts_with("application/x-www-form-urlencoded");
  for (const auto& s : services_) {
    if ((s->routing().protocol == "query") == form) return s.get();
  }
  return services_.empty() ? nullptr : services_.front().get();
}

boost::asio::awaitable<bool> Gateway::ReadBodyChecked(HttpRequest& request, bool hash,
                                                      BodyJudge judge) {
  HttpBodyStream* stream = request.body_stream;
  if (stream == nullptr || !hash) co_return co_await ReadRequestBody(request);
  PayloadCheck check(std::move(judge));
  stream->SetCheck(&check);
  const bool read = co_await ReadRequestBody(request);
  stream->SetCheck(nullptr);
  if (read) request.body_sha256 = check.hex();
  co_return read;
}

boost::asio::awaitable<bool> Gateway::ReadBody(HttpRequest& request, AuthOutcome& auth,
                                               const ServiceEndpoint* service) {
  // The body is hashed as it arrives and judged at its last byte: a body its signature does
  // not cover fails the read itself, the server answering with the refusal.
  auto judge = [&](std::string_view sha256_hex) -> std::optional<HttpResponse> {
    auth = auth_.VerifyBody(request, std::move(auth), sha256_hex);
    if (auth.ok) return std::nullopt;
    const ServiceEndpoint* in = service != nullptr ? service : FallbackService(request);
    if (in == nullptr) return UnknownService(request, auth.scope_service);
    return Refuse(request, *in, auth, false);
  };
  co_return co_await ReadBodyChecked(request, auth.body_pending, judge);
}

// Not a coroutine: a request without a body to read is handed to the service's Dispatch
// coroutine (one coroutine frame per request, as when the gateway decoded itself); only
// refusals take Ready's frame, and requests with a body HandleAwsBody's.
boost::asio::awaitable<HttpResponse> Gateway::HandleAws(HttpRequest& request) {
  // A request without Host is malformed HTTP/1.1 (RFC 9112 3.2); AWS's front ends answer 400.
  if (!request.headers.Has("Host")) {
    return Ready(HttpLevelError(400, "Missing required header for this request: Host"));
  }
  // Authenticate from the head alone, routing on what it names; the body is read only once the
  // head holds up, so an invalid request costs nothing but its head.
  ScopeRouter router{this, &request};
  AuthOutcome auth = Authenticate(request, /*body_unread=*/request.body_stream != nullptr, router);
  const ServiceEndpoint* service =
      router.index >= 0 ? services_[static_cast<size_t>(router.index)].get() : nullptr;
  if (request.body_stream != nullptr && (auth.ok || (service == nullptr && !auth_.strict()))) {
    return HandleAwsBody(request, std::move(auth), service);  // reads the body first
  }
  if (service == nullptr && auth.ok) return Ready(UnknownService(request, auth.scope_service));
  if (service == nullptr) {  // strict, refused, and the head names no service we serve
    service = FallbackService(request);
    if (service == nullptr) return Ready(UnknownService(request, auth.scope_service));
  }
  if (!auth.ok) return Ready(Refuse(request, *service, auth, false));
  return service->Dispatch(request, std::move(auth.identity));
}

AuthOutcome Gateway::Authenticate(const HttpRequest& request, bool body_unread,
                                  ScopeRouter& router) const {
  // Held by reference: a std::function of a reference_wrapper allocates nothing.
  const RequestAuthenticator::EndpointFor endpoint_for(std::ref(router));
  return auth_.Authenticate(request, body_unread, endpoint_for);
}

AuthEndpoint Gateway::ScopeRouter::operator()(std::string_view scope_service) {
  index = gateway->router_->RouteIndex(*request, scope_service);
  if (index < 0) return {};
  const ServiceRouting& r = gateway->services_[static_cast<size_t>(index)]->routing();
  return {r.signing_name, auth::RegionNamedByHost(request->headers.Get("Host")), false};
}

HttpResponse Gateway::Refuse(const HttpRequest& request, const ServiceEndpoint& service,
                             const AuthOutcome& auth, bool too_large) const {
  const uint64_t max_body = service.provider().max_request_body_bytes();
  HttpResponse response = service.Reject(
      request, too_large ? AwsError("RequestEntityTooLargeException",
                                    "Request must be smaller than " + std::to_string(max_body) +
                                        " bytes for the " + service.label() + " service",
                                    413)
                         : auth_.ErrorFor(auth, service.routing().protocol));
  response.close = request.body_stream != nullptr;  // refused with its body unread
  return response;
}

boost::asio::awaitable<HttpResponse> Gateway::HandleAwsBody(HttpRequest& request, AuthOutcome auth,
                                                            const ServiceEndpoint* service) {
  ScopeRouter router{this, &request};
  if (service == nullptr) {
    // Query-protocol requests may name their service only in the body (Action, Version): read
    // it (in strict mode only once the head held up) and route again; in strict mode the
    // scope is then checked against that service.
    if (!co_await ReadBody(request, auth, nullptr)) co_return HttpResponse{};  // server answers
    if (auth_.strict() && auth.ok) {
      auth = Authenticate(request, /*body_unread=*/false, router);
    } else {
      router.index = router_->RouteIndex(request, auth.scope_service);
    }
    if (router.index < 0) co_return UnknownService(request, auth.scope_service);
    service = services_[static_cast<size_t>(router.index)].get();
  }
  const uint64_t max_body = service->provider().max_request_body_bytes();
  if (auth.ok && request.body_stream != nullptr && max_body > 0 &&
      request.body_stream->length().value_or(0) > max_body) {
    co_return Refuse(request, *service, auth, /*too_large=*/true);
  }
  if (auth.ok && request.body_stream != nullptr) {
    if (!co_await ReadBody(request, auth, service)) co_return HttpResponse{};  // server answers
  }
  if (!auth.ok) co_return Refuse(request, *service, auth, false);
  co_return co_await service->Dispatch(request, std::move(auth.identity));
}

}  // namespace nimbus
