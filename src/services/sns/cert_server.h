// nimbus's https port for SNS (reference G.3): serves the signing certificate at the path
// SigningCertURL names, over TLS with a certificate from nimbus's local CA, so validators that
// fetch certificates over https only (npm sns-validator, AWS's message validators) verify
// nimbus's messages once the CA is trusted. Runs on one event loop; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/status.h"
#include "services/sns/certificates.h"

namespace nimbus::sns {

class CertServer {
 public:
  // Listens on `host`:`port` (0 = any free port) with `tls`'s certificate, answering GET `path`
  // with what `body` gives (a PEM, asked for on each such request, on the loop) and 404
  // otherwise. Fails when the port cannot be bound; TLS is set up on the loop before the first
  // accept (a certificate OpenSSL refuses then closes the port, said on stderr).
  static Result<std::unique_ptr<CertServer>> Start(boost::asio::io_context& loop,
                                                   const std::string& host, uint16_t port,
                                                   const LocalTls& tls, std::string path,
                                                   std::function<std::string()> body);
  ~CertServer();
  uint16_t port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  explicit CertServer(std::shared_ptr<Impl> impl, uint16_t port)
      : impl_(std::move(impl)), port_(port) {}
  std::shared_ptr<Impl> impl_;
  uint16_t port_;
};

}  // namespace nimbus::sns
