// A small HTTP/1.1 client for SNS deliveries to http endpoints: one request at a time per
// connection, connections kept alive and reused per host:port. Belongs to one event loop: every
// call must run on it (not thread-safe). Never throws.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/http.h"

namespace nimbus::sns {

struct HttpTarget {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;  // "80" by default
  std::string path;  // path and query, "/" at least
};

// Splits an http:// or https:// URL; nullopt when it is neither or has no host.
std::optional<HttpTarget> ParseHttpUrl(std::string_view url);

struct HttpOutcome {
  int status = 0;     // the response's status; 0 when no response came
  std::string error;  // why there was no response (connect refused, timeout, ...)
  std::string body;   // the response body (at most 64 KiB kept)
};

class HttpClient {
 public:
  // https endpoints are verified against the system's trust store plus `extra_ca_file` (PEM;
  // nimbus's local CA), with the host name checked.
  HttpClient(boost::asio::io_context& loop, const std::string& extra_ca_file);
  ~HttpClient();
  // Sends `method` to `target` with `headers` (Host, Content-Length and Connection are added)
  // and `body`; waits at most `timeout` for the whole exchange.
  boost::asio::awaitable<HttpOutcome> Send(const HttpTarget& target, std::string method,
                                           const HttpHeaders& headers, const std::string& body,
                                           std::chrono::milliseconds timeout);

 private:
  using Socket = boost::asio::ip::tcp::socket;
  // One request over a fresh TLS connection (not kept: https endpoints are few and slow).
  boost::asio::awaitable<HttpOutcome> SendTls(const HttpTarget& target, const std::string& request,
                                              std::chrono::milliseconds timeout);
  struct Tls;
  // The TLS client context, made on first use.
  Tls& TlsState();
  boost::asio::io_context& loop_;
  std::string extra_ca_file_;
  std::unique_ptr<Tls> tls_;
  std::map<std::string, std::vector<std::unique_ptr<Socket>>> idle_;  // by "host:port"
};

}  // namespace nimbus::sns
