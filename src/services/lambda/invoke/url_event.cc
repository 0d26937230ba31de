#include "services/lambda/invoke/url_event.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "protocol/wire.h"

namespace nimbus::lambda {
namespace {

using Json = nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// "07/Dec/2026:15:04:05 +0000", the event's requestContext.time.
std::string ClfTime(int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

// A header value from the function's JSON: strings as they are, anything else as JSON.
std::string HeaderValue(const Json& v) { return v.is_string() ? v.get<std::string>() : Dump(v); }

bool OriginAllowed(const FunctionUrlCors& cors, std::string_view origin) {
  if (origin.empty()) return false;
  for (const std::string& o : cors.allow_origins) {
    if (o == "*" || EqualsIgnoreCase(o, origin)) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

void RemoveCorsHeaders(HttpResponse& r) {
  for (const char* h : {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                        "Access-Control-Allow-Headers", "Access-Control-Expose-Headers",
                        "Access-Control-Max-Age", "Access-Control-Allow-Credentials"}) {
    r.headers.Remove(h);
  }
}

void AddOriginHeaders(const HttpRequest& request, const FunctionUrlCors& cors, HttpResponse& r) {
  std::string_view origin = request.headers.Get("Origin");
  bool wildcard = std::find(cors.allow_origins.begin(), cors.allow_origins.end(), "*") !=
                  cors.allow_origins.end();
  r.headers.Add("Access-Control-Allow-Origin",
                wildcard && !cors.allow_credentials ? std::string("*") : std::string(origin));
  if (cors.allow_credentials) r.headers.Add("Access-Control-Allow-Credentials", "true");
  if (!cors.expose_headers.empty()) {
    r.headers.Add("Access-Control-Expose-Headers", Join(cors.expose_headers));
  }
  r.headers.Add("Vary", "Origin");
}

// statusCode, headers and cookies of a result or prelude object onto `r`.
void ApplyHead(const Json& j, std::string_view default_type, HttpResponse& r) {
  r.status = 200;
  if (auto status = j.find("statusCode"); status != j.end()) {
    if (status->is_number_integer()) {
      r.status = status->get<int>();
    } else if (status->is_string()) {
      r.status = std::atoi(status->get<std::string>().c_str());
    }
    if (r.status < 100 || r.status > 599) r.status = 500;
  }
  if (auto h = j.find("headers"); h != j.end() && h->is_object()) {
    for (auto it = h->begin(); it != h->end(); ++it) r.headers.Add(it.key(), HeaderValue(*it));
  }
  if (!r.headers.Has("Content-Type")) r.headers.Add("Content-Type", std::string(default_type));
  if (auto c = j.find("cookies"); c != j.end() && c->is_array()) {
    for (const Json& cookie : *c) {
      if (cookie.is_string()) r.headers.Add("Set-Cookie", cookie.get<std::string>());
    }
  }
}

}  // namespace

bool IsTextContentType(std::string_view content_type) {
  std::string type = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (type.starts_with("text/")) return true;
  if (type == "application/json" || type == "application/xml" || type == "application/javascript" ||
      type == "application/ecmascript") {
    return true;
  }
  return type.starts_with("application/") && (type.ends_with("+json") || type.ends_with("+xml"));
}

std::string BuildUrlEvent(const HttpRequest& request, const UrlEventContext& ctx) {
  Json headers = Json::object();
  Json cookies = Json::array();
  std::map<std::string, std::string> merged;  // lower-cased name -> comma-joined values
  for (const auto& [name, value] : request.headers.entries()) {
    std::string key = Lower(name);
    if (key == "cookie") {
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t semi = rest.find(';');
        std::string_view c = Trim(rest.substr(0, semi));
        if (!c.empty()) cookies.push_back(std::string(c));
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      }
      continue;
    }
    if (key == "connection" || key == "transfer-encoding" || key == "expect") continue;
    auto [it, fresh] = merged.emplace(key, value);
    if (!fresh) it->second += "," + value;
  }
  merged["x-amzn-trace-id"] = ctx.trace_id;
  merged["x-forwarded-for"] = ctx.source_ip;
  merged["x-forwarded-proto"] = "http";
  merged["x-forwarded-port"] = std::to_string(request.local_port);
  for (auto& [k, v] : merged) headers[k] = std::move(v);

  Json event = {{"version", "2.0"},
                {"routeKey", "$default"},
                {"rawPath", ctx.raw_path},
                {"rawQueryString", request.query}};
  if (!cookies.empty()) event["cookies"] = std::move(cookies);
  event["headers"] = std::move(headers);
  if (!request.query.empty()) {
    Json params = Json::object();
    std::string_view rest = request.query;
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
      if (params.contains(key)) {
        params[key] = params[key].get<std::string>() + "," + value;
      } else {
        params[key] = std::move(value);
      }
    }
    event["queryStringParameters"] = std::move(params);
  }
  Json context = {{"accountId", ctx.iam ? ctx.caller_account : std::string("anonymous")},
                  {"apiId", ctx.url_id},
                  {"domainName", ctx.domain_name},
                  {"domainPrefix", ctx.url_id},
                  {"http",
                   {{"method", request.method},
                    {"path", ctx.raw_path},
                    {"protocol", "HTTP/1." + std::to_string(request.version_minor)},
                    {"sourceIp", ctx.source_ip},
                    {"userAgent", std::string(request.headers.Get("User-Agent"))}}},
                  {"requestId", ctx.request_id},
                  {"routeKey", "$default"},
                  {"stage", "$default"},
                  {"time", ClfTime(ctx.epoch_ms)},
                  {"timeEpoch", ctx.epoch_ms}};
  if (ctx.iam) {
    context["authorizer"] = {{"iam",
                              {{"accessKey", ctx.caller_access_key},
                               {"accountId", ctx.caller_account},
                               {"callerId", ctx.caller_account},
                               {"cognitoIdentity", nullptr},
                               {"principalOrgId", nullptr},
                               {"userArn", "arn:aws:iam::" + ctx.caller_account + ":root"},
                               {"userId", ctx.caller_account}}}};
  }
  event["requestContext"] = std::move(context);
  if (!request.body.empty()) {
    bool text = IsTextContentType(request.headers.Get("Content-Type"));
    event["body"] = text ? request.body : wire::Base64Encode(request.body);
    event["isBase64Encoded"] = !text;
  } else {
    event["isBase64Encoded"] = false;
  }
  return Dump(event);
}

HttpResponse MapUrlResult(std::string_view result) {
  HttpResponse r;
  Json j = Json::parse(result, nullptr, false);
  if (!j.is_object() || !j.contains("statusCode")) {
    // Lambda infers the rest: any JSON (or text) without a statusCode is a 200 JSON body, a
    // JSON string its text.
    r.headers.Add("Content-Type", "application/json");
    r.body = j.is_string() ? j.get<std::string>() : std::string(result);
    return r;
  }
  ApplyHead(j, "application/json", r);
  if (auto b = j.find("body"); b != j.end() && !b->is_null()) {
    std::string body = b->is_string() ? b->get<std::string>() : Dump(*b);
    auto base64 = j.find("isBase64Encoded");
    if (base64 != j.end() && base64->is_boolean() && base64->get<bool>()) {
      auto decoded = wire::Base64Decode(body);
      if (!decoded) return UrlError(502, "", "Internal Server Error");
      body = std::move(*decoded);
    }
    r.body = std::move(body);
  }
  return r;
}

HttpResponse MapStreamPrelude(std::string_view prelude) {
  HttpResponse r;
  Json j = Json::parse(prelude, nullptr, false);
  ApplyHead(j.is_object() ? j : Json::object(), "application/octet-stream", r);
  return r;
}

bool IsPreflight(const HttpRequest& request, const FunctionUrlCors& cors) {
  return cors.configured && request.method == "OPTIONS" && request.headers.Has("Origin") &&
         request.headers.Has("Access-Control-Request-Method");
}

HttpResponse PreflightResponse(const HttpRequest& request, const FunctionUrlCors& cors) {
  HttpResponse r;
  r.status = 200;
  if (!OriginAllowed(cors, request.headers.Get("Origin"))) return r;
  AddOriginHeaders(request, cors, r);
  if (!cors.allow_methods.empty()) {
    r.headers.Add("Access-Control-Allow-Methods", Join(cors.allow_methods));
  }
  if (!cors.allow_headers.empty()) {
    r.headers.Add("Access-Control-Allow-Headers", Join(cors.allow_headers));
  }
  if (cors.max_age) r.headers.Add("Access-Control-Max-Age", std::to_string(*cors.max_age));
  return r;
}

void ApplyCors(const HttpRequest& request, const FunctionUrlCors& cors, HttpResponse& response) {
  if (!cors.configured) return;
  RemoveCorsHeaders(response);
  if (OriginAllowed(cors, request.headers.Get("Origin"))) AddOriginHeaders(request, cors, response);
}

HttpResponse UrlError(int status, std::string_view type, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.headers.Add("Content-Type", "application/json");
  if (!type.empty()) r.headers.Add("x-amzn-ErrorType", std::string(type));
  if (type.empty()) {
    r.body = std::string(message);
  } else {
    Json body = {{"Message", message.empty() ? Json(nullptr) : Json(std::string(message))}};
    r.body = Dump(body);
  }
  return r;
}

}  // namespace nimbus::lambda
