#include "server/gateway.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/http_body.h"
#include "core/ids.h"
#include "protocol/codec.h"
#include "protocol/model.h"

namespace nimbus {

struct Gateway::Service {
  const ServiceRouting* routing = nullptr;  // embedded routing index (static)
  std::unique_ptr<Provider> provider;
  OperationTable operations;
  std::string label;  // service id without spaces, e.g. "CloudWatchLogs"

  // The embedded model, parsed by the first request that needs it (FindServiceModel parses
  // once, thread-safely); nullptr only if the embedded model does not parse.
  const ServiceModel* Model() {
    const ServiceModel* m = model.load(std::memory_order_acquire);
    if (m == nullptr) {
      m = FindServiceModel(routing->name);
      model.store(m, std::memory_order_release);
    }
    return m;
  }
  std::atomic<const ServiceModel*> model{nullptr};
};

namespace {

std::string LabelFor(const ServiceRouting& routing) {
  std::string label;
  for (char c : routing.service_id.empty() ? routing.name : routing.service_id) {
    if (c != ' ') label.push_back(c);
  }
  return label;
}

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

}  // namespace

Gateway::Gateway(std::vector<std::unique_ptr<Provider>> providers,
                 const RequestAuthenticator& auth)
    : auth_(auth), started_(std::chrono::steady_clock::now()) {
  // Routing needs only the embedded routing indexes; models are parsed on first use.
  std::vector<const ServiceRouting*> routings;
  for (auto& provider : providers) {
    auto service = std::make_unique<Service>();
    service->routing = FindServiceRouting(provider->service_name());
    if (service->routing == nullptr) continue;  // a provider without an embedded model
    service->label = LabelFor(*service->routing);
    provider->RegisterOperations(service->operations);
    provider->RegisterRoutes(*this);
    service->provider = std::move(provider);
    routings.push_back(service->routing);
    services_.push_back(std::move(service));
  }
  router_ = std::make_unique<ServiceRouter>(std::move(routings));
}

Gateway::~Gateway() = default;

std::vector<std::string> Gateway::StartupNotes() const {
  std::vector<std::string> notes;
  for (const auto& s : services_) {
    std::string note = s->provider->StartupNote();
    if (!note.empty()) notes.push_back(std::move(note));
  }
  return notes;
}

bool Gateway::Stopped() const {
  for (const auto& s : services_) {
    if (!s->provider->Stopped()) return false;
  }
  return true;
}

void Gateway::Shutdown() {
  for (auto& s : services_) s->provider->Shutdown();
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
  for (const auto& s : services_) names.emplace_back(s->routing->name);
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

boost::asio::awaitable<HttpResponse> Gateway::HandleAws(HttpRequest& request) {
  AuthOutcome auth = auth_.Authenticate(request);
  int index = router_->RouteIndex(request, auth.scope_service);
  if (index < 0) co_return UnknownService(request, auth.scope_service);
  Service* service = services_[static_cast<size_t>(index)].get();
  const ServiceModel* model = service->Model();
  if (model == nullptr) {
    HttpResponse r = JsonResponse(500, {{"__type", "InternalFailure"},
                                        {"message", "nimbus cannot load the " + service->label +
                                                        " service model"}});
    r.headers.Add("x-amzn-ErrorType", "InternalFailure");
    co_return r;
  }
  const ProtocolCodec& codec = CodecFor(*model);

  CallContext call;
  call.request_id = NewUuid();
  call.service = model->metadata().name;
  call.http = &request;
  call.endpoint = "http://" + std::string(request.headers.Get("Host"));
  HttpResponse response;
  auto fail = [&](const AwsError& error) { codec.EncodeError(*model, error, call, response); };
  if (!auth.ok) {
    fail(auth_.ErrorFor(auth, model->metadata().protocol));
    response.operation = service->label;
    co_return response;
  }
  call.account_id = auth.identity.account_id;
  call.access_key_id = auth.identity.access_key_id;
  call.region = auth.identity.region.empty() ? "us-east-1" : auth.identity.region;

  auto decoded = codec.Decode(*model, request);
  if (!decoded.ok()) {
    fail(decoded.error());
    response.operation = service->label;
    co_return response;
  }
  const OperationModel& op = *decoded->operation;
  call.operation = op.name();
  response.operation = service->label + "." + op.name();
  const OperationTable::Entry* entry = service->operations.Find(op.name());
  if (entry == nullptr) {
    fail(AwsError("NotImplemented",
                  "nimbus does not implement " + response.operation + " yet", 501, false));
    co_return response;
  }
  // Not a conditional expression: GCC 12 miscompiles co_await inside ?: (double destruction).
  std::optional<OpResult> result;
  if (entry->sync) {
    result.emplace(entry->sync(call, decoded->input));
  } else {
    result.emplace(co_await entry->async(call, std::move(decoded->input)));
  }
  if (result->ok()) {
    codec.EncodeResult(*model, op, **result, call, response);
    if (call.response_stream) {
      response.stream = std::move(call.response_stream);
      response.body.clear();
    }
  } else {
    fail(result->error());
  }
  co_return response;
}

}  // namespace nimbus
