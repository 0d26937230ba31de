#include "server/gateway.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/http_body.h"
#include "core/ids.h"

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
  std::string message = scope_service.empty()
                            ? "nimbus cannot tell which AWS service " + request.method + " " +
                                  request.path + " is for"
                            : "nimbus does not serve the AWS service '" +
                                  std::string(scope_service) + "'";
  HttpResponse r = JsonResponse(404, {{"__type", "UnknownServiceException"}, {"message", message}});
  r.headers.Add("x-amzn-ErrorType", "UnknownServiceException");
  r.headers.Add("x-amzn-RequestId", NewUuid());
  return r;
}

// An awaitable that yields `response` at once.
boost::asio::awaitable<HttpResponse> Ready(HttpResponse response) { co_return response; }

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
  const Route* route = nullptr;
  for (const auto& r : routes_) {
    if (request.path.starts_with(r.prefix)) {
      route = &r;
      break;
    }
  }
  if (route == nullptr || !route->streaming) {
    if (!co_await ReadRequestBody(request)) co_return HttpResponse{};  // the server answers
  }
  if (request.path.starts_with("/_nimbus/")) {
    if (request.path == "/_nimbus/health" && (request.method == "GET" || request.method == "HEAD")) {
      HttpResponse r = Health();
      r.operation = "nimbus.Health";
      co_return r;
    }
    HttpResponse r = JsonResponse(404, {{"message", "no such nimbus endpoint: " + request.path}});
    co_return r;
  }
  if (route != nullptr) co_return co_await route->handler(request);
  co_return co_await HandleAws(request);
}

// Not a coroutine: the request is handed to the service's Dispatch coroutine (one coroutine
// frame per request, as when the gateway decoded itself); only refusals take Ready's frame.
boost::asio::awaitable<HttpResponse> Gateway::HandleAws(HttpRequest& request) {
  AuthOutcome auth = auth_.Authenticate(request);
  int index = router_->RouteIndex(request, auth.scope_service);
  if (index < 0) return Ready(UnknownService(request, auth.scope_service));
  const ServiceEndpoint& service = *services_[static_cast<size_t>(index)];
  if (!auth.ok)
    return Ready(service.Reject(request, auth_.ErrorFor(auth, service.routing().protocol)));
  return service.Dispatch(request, std::move(auth.identity));
}

}  // namespace nimbus
