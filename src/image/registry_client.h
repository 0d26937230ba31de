// nimbus's OCI distribution client, the part that talks HTTP/1.1 to another registry: one GET at
// a time on a fresh connection (Connection: close), redirects followed (up to 5), and the
// anonymous bearer-token flow (a 401 with `WWW-Authenticate: Bearer realm=..,service=..,scope=..`
// sends a GET to the realm and retries with the token it gives). https with the certificate and
// host name verified (registry_conn.h); plain http only to loopback addresses. Not thread-safe
// (one per pull); blocking, with a 60 s limit per read.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nimbus::image {

class TlsTrust;

struct RegistryResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // unless a sink took it
};

class RegistryClient {
 public:
  // `registry` is host[:port] (port 443 when absent, 80 for plain http). `plain_http`: speak
  // http (the host must then resolve to a loopback address, or every request is refused).
  // `ca_file`: the PEM bundle https trusts; empty: the system's.
  RegistryClient(std::string registry, bool plain_http, std::string ca_file = "");
  ~RegistryClient();

  // GET http://<registry><path> with `accept`. With a `sink`, a 2xx body goes to it in pieces as
  // it arrives (its error stops the transfer and is returned); otherwise into `body`. Non-2xx
  // answers are returned as responses, not errors. Unavailable for connection failures, timeouts
  // and protocol errors; Unauthenticated when a token cannot be had.
  Result<RegistryResponse> Get(const std::string& path, const std::string& accept,
                               const std::function<Status(std::string_view)>& sink = {});

 private:
  struct Url {
    bool tls = false;
    std::string host;  // without port
    std::string port;
    std::string target;  // path and query
    std::string authority;
  };
  Result<Url> ParseUrl(const std::string& url) const;
  Result<RegistryResponse> Fetch(const Url& url, const std::string& accept,
                                 const std::function<Status(std::string_view)>& sink);
  Status Authenticate(const std::string& challenge);

  std::string registry_;
  bool plain_http_;
  std::unique_ptr<TlsTrust> trust_;
  std::string token_;  // bearer token once had
};

// The parameters of a `WWW-Authenticate: Bearer k="v",...` header, lower-case keys; empty when
// it is not a Bearer challenge.
std::map<std::string, std::string> ParseBearerChallenge(std::string_view header);

}  // namespace nimbus::image
