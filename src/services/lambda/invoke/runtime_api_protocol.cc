#include "services/lambda/invoke/runtime_api_protocol.h"

#include <string>

#include "core/json_validate.h"
#include "services/lambda/invoke/platform_text.h"

namespace nimbus::lambda {

namespace {
constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
}  // namespace

RuntimeApiRoute RouteRuntimeApi(std::string_view method, std::string_view path) {
  RuntimeApiRoute route;
  if (!path.starts_with(kPrefix)) return route;
  path.remove_prefix(kPrefix.size());
  if (path == "invocation/next") {
    route.kind = method == "GET" ? RuntimeApiRoute::Kind::kNext : RuntimeApiRoute::Kind::kWrongMethod;
    return route;
  }
  if (method != "POST") return route;
  if (path == "init/error") {
    route.kind = RuntimeApiRoute::Kind::kInitError;
    return route;
  }
  constexpr std::string_view kInvocation = "invocation/";
  if (!path.starts_with(kInvocation)) return route;
  std::string_view rest = path.substr(kInvocation.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return route;
  std::string_view what = rest.substr(slash + 1);
  if (what == "response") {
    route.kind = RuntimeApiRoute::Kind::kResponse;
  } else if (what == "error") {
    route.kind = RuntimeApiRoute::Kind::kError;
  } else {
    return route;
  }
  route.request_id = rest.substr(0, slash);
  return route;
}

HttpResponse RuntimeApiError(int status, std::string_view type, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = ErrorPayload(type, message);
  r.headers.Add("Content-Type", "application/json");
  r.operation = "Lambda.RuntimeAPI";
  return r;
}

HttpResponse RuntimeApiAccepted() {
  HttpResponse r;
  r.status = 202;
  r.body = R"({"status":"OK"})";
  r.headers.Add("Content-Type", "application/json");
  r.operation = "Lambda.RuntimeAPI";
  return r;
}

std::string PostedErrorBody(const HttpRequest& request) {
  if (IsValidJson(request.body)) return request.body;
  std::string type(request.headers.Get("Lambda-Runtime-Function-Error-Type"));
  if (type.empty()) type = "Unhandled";
  return ErrorPayload(type, request.body);
}

}  // namespace nimbus::lambda
