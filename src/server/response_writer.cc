#include "server/response_writer.h"

#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

#include "core/ids.h"

namespace nimbus {
namespace {

// "Date: Sat, 28 Nov 2026 16:39:11 GMT", recomputed at most once a second per thread.
const std::string& CachedDate() {
  thread_local std::time_t last = 0;
  thread_local std::string value;
  std::time_t now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    value.assign(buf, std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm));
  }
  return value;
}

std::string_view ErrorCodeFor(int status) {
  switch (status) {
    case 408: return "RequestTimeout";
    case 411: return "MissingContentLength";
    case 413: return "RequestEntityTooLarge";
    case 414: return "RequestURITooLong";
    case 417: return "ExpectationFailed";
    case 431: return "RequestHeaderFieldsTooLarge";
    case 501: return "NotImplemented";
    case 505: return "HttpVersionNotSupported";
    default: return status >= 500 ? "InternalFailure" : "BadRequest";
  }
}

}  // namespace

std::string BuildResponseHead(const HttpResponse& response, uint64_t body_length,
                              bool keep_alive) {
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += HttpReasonPhrase(response.status);
  head += "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : response.headers.entries()) {
    if (EqualsIgnoreCase(name, "content-length")) has_length = true;
    if (EqualsIgnoreCase(name, "connection")) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  bool bodiless = response.status == 204 || response.status == 304 ||
                  (response.status >= 100 && response.status < 200);
  if (!has_length && !bodiless && !response.stream) {
    head += "Content-Length: ";
    head += std::to_string(body_length);
    head += "\r\n";
  }
  head += "Date: ";
  head += CachedDate();
  head += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  return head;
}

HttpResponse HttpLevelError(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  std::string code(ErrorCodeFor(status));
  nlohmann::json body = {{"__type", code}, {"message", message}};
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.Add("Content-Type", "application/json");
  r.headers.Add("x-amzn-RequestId", NewUuid());
  r.headers.Add("x-amzn-ErrorType", code);
  r.close = true;
  return r;
}

}  // namespace nimbus
