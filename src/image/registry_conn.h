// Internal to the pull client: one client connection to a registry, plain TCP (loopback
// addresses only) or TLS (certificate and host name verified against the system's CA store or
// a given bundle). Blocking, with a 60 s limit per read and write. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

struct ssl_ctx_st;

namespace nimbus::image {

// What TLS connections trust; created on first use, shared by the connections of one client.
class TlsTrust {
 public:
  // `ca_file`: a PEM bundle; empty: OpenSSL's default paths (the system store, SSL_CERT_FILE).
  explicit TlsTrust(std::string ca_file) : ca_file_(std::move(ca_file)) {}
  ~TlsTrust();
  TlsTrust(const TlsTrust&) = delete;
  TlsTrust& operator=(const TlsTrust&) = delete;
  // The context, or Unavailable when OpenSSL or the bundle fails.
  Result<ssl_ctx_st*> Context();

 private:
  std::string ca_file_;
  ssl_ctx_st* ctx_ = nullptr;
};

class RegistryConn {
 public:
  // Connects to host:port: TLS when `trust` is set (any address), else plain TCP to a loopback
  // address only. Unavailable naming the host for lookup, connect, handshake and verification
  // failures ("certificate verify failed", ...).
  static Result<std::unique_ptr<RegistryConn>> Open(const std::string& host,
                                                    const std::string& port, TlsTrust* trust);
  virtual ~RegistryConn() = default;
  virtual Status Send(std::string_view data) = 0;
  // Up to n bytes; 0 at the end of the stream.
  virtual Result<size_t> Recv(char* buf, size_t n) = 0;
};

}  // namespace nimbus::image
