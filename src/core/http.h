// Plain HTTP/1.1 message types shared by the server, the protocol codecs and providers.
// Value types: not thread-safe to mutate concurrently; cheap to move.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus {

// Ordered header list with case-insensitive lookup (names keep the case they were given).
class HttpHeaders {
 public:
  // First value for `name` (case-insensitive), or empty when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Appends a header even if one with this name exists.
  void Add(std::string name, std::string value);
  // Add() of copies, into the storage of headers clear() removed when there is some: a parser
  // that reuses one HttpHeaders per connection allocates nothing once it has seen as many
  // headers as long as these.
  void AddCopy(std::string_view name, std::string_view value);
  // Replaces every header named `name` with one value.
  void Set(std::string_view name, std::string value);
  void Remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  // Removes every header, keeping (up to 64 of) their strings for AddCopy.
  void clear();

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<std::pair<std::string, std::string>> spare_;  // storage kept by clear()
};

class HttpBodyStream;      // core/http_body.h
class HttpResponseStream;  // core/http_body.h
class HttpUpgrade;         // core/http_upgrade.h

// True when a and b are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;   // "GET", "POST", ... as received (upper case by protocol)
  std::string target;   // raw request-target, e.g. "/path?x=1"
  std::string path;     // percent-encoded path part of target
  std::string query;    // raw query string after '?', without the '?'
  int version_minor = 1;  // HTTP/1.<minor>
  HttpHeaders headers;
  std::string body;     // de-chunked body bytes
  // Lower-case hex SHA-256 of `body` when the server computed it as the body arrived (strict
  // mode's payload check); "" otherwise (whoever needs it hashes `body`).
  std::string body_sha256;
  // Set while a handler that reads bodies itself runs and the body has not been read yet
  // (core/http_body.h); nullptr otherwise.
  HttpBodyStream* body_stream = nullptr;
  std::string remote_address;  // "ip:port" of the peer
  uint16_t local_port = 0;     // port the request arrived on
};

// A response body is either in memory (`body`) or a file region streamed by the server.
struct HttpFileBody {
  std::string path;  // empty = no file body
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  HttpFileBody file;
  // A body produced while it is sent (core/http_body.h): when set, the server sends it with
  // Transfer-Encoding: chunked and ignores `body` and `file`.
  std::shared_ptr<HttpResponseStream> stream;
  // With status 101: the server writes the status line and `headers` alone, then hands the
  // connection to this (core/http_upgrade.h) and closes it once it returns.
  std::shared_ptr<HttpUpgrade> upgrade;
  // Set by handlers that want the connection closed after this response.
  bool close = false;
  // For the access log: "Service.Operation" that served the request (empty = none).
  std::string operation;
};

// Standard reason phrase for `status` ("OK", "Not Found", ...); "Unknown" otherwise.
std::string_view HttpReasonPhrase(int status);

// Percent-decodes `in` ('+' stays '+' unless plus_as_space). Invalid escapes are kept verbatim.
std::string PercentDecode(std::string_view in, bool plus_as_space = false);
// Percent-encodes everything except RFC 3986 unreserved characters; '/' too unless keep_slash.
std::string PercentEncode(std::string_view in, bool keep_slash = false);
// Splits "a=1&b=2" into decoded (name, value) pairs in order ('+' decodes to space).
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query);

}  // namespace nimbus
