#include "image/registry_conn.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sandbox/fd.h"

namespace nimbus::image {
namespace {

using sandbox::UniqueFd;

bool IsLoopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    auto a = reinterpret_cast<const sockaddr_in*>(sa);
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    auto a = reinterpret_cast<const sockaddr_in6*>(sa);
    return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
  }
  return false;
}

// A connected socket to host:port; only to loopback addresses when `loopback_only`.
Result<UniqueFd> Connect(const std::string& host, const std::string& port, bool loopback_only) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string h = host.size() > 1 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  int rc = ::getaddrinfo(h.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return Status::Unavailable("lookup " + host + ": " + gai_strerror(rc));
  Status last = Status::Unavailable("no loopback address for " + host +
                                    " (plain http is only spoken to loopback registries)");
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    if (loopback_only && !IsLoopback(ai->ai_addr)) continue;
    UniqueFd fd(::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) continue;
    timeval tv{60, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    last = Status::Unavailable("connect " + host + ":" + port + ": " + std::strerror(errno));
  }
  ::freeaddrinfo(res);
  return last;
}

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return e ? buf : "unknown TLS error";
}

class PlainConn : public RegistryConn {
 public:
  explicit PlainConn(UniqueFd fd) : fd_(std::move(fd)) {}
  Status Send(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::Unavailable(std::string("send: ") + std::strerror(errno));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }
  Result<size_t> Recv(char* buf, size_t size) override {
    while (true) {
      ssize_t n = ::recv(fd_.get(), buf, size, 0);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return Status::Unavailable("registry read timed out");
      return Status::Unavailable(std::string("recv: ") + std::strerror(errno));
    }
  }

 private:
  UniqueFd fd_;
};

class TlsConn : public RegistryConn {
 public:
  TlsConn(UniqueFd fd, SSL* ssl) : fd_(std::move(fd)), ssl_(ssl) {}
  ~TlsConn() override {
    if (SSL_is_init_finished(ssl_)) (void)SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ERR_clear_error();
  }
  Status Send(std::string_view data) override {
    while (!data.empty()) {
      int n =
          SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 20)));
      if (n <= 0) return Status::Unavailable("tls write: " + OpenSslError());
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }
  Result<size_t> Recv(char* buf, size_t size) override {
    int n = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(size, 1 << 20)));
    if (n > 0) return static_cast<size_t>(n);
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_ZERO_RETURN) return size_t{0};
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0) return size_t{0};
    if (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
      return Status::Unavailable("registry read timed out");
    return Status::Unavailable("tls read: " + OpenSslError());
  }

 private:
  UniqueFd fd_;
  SSL* ssl_;
};

}  // namespace

TlsTrust::~TlsTrust() {
  if (ctx_) SSL_CTX_free(ctx_);
}

Result<ssl_ctx_st*> TlsTrust::Context() {
  if (ctx_) return ctx_;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return Status::Unavailable("tls: " + OpenSslError());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int ok = ca_file_.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                            : SSL_CTX_load_verify_locations(ctx, ca_file_.c_str(), nullptr);
  if (ok != 1) {
    SSL_CTX_free(ctx);
    return Status::Unavailable("tls: cannot load CA certificates " + ca_file_ + ": " +
                               OpenSslError());
  }
  ctx_ = ctx;
  return ctx_;
}

Result<std::unique_ptr<RegistryConn>> RegistryConn::Open(const std::string& host,
                                                         const std::string& port, TlsTrust* trust) {
  auto fd = Connect(host, port, /*loopback_only=*/trust == nullptr);
  if (!fd.ok()) return fd.error();
  if (!trust) return std::unique_ptr<RegistryConn>(std::make_unique<PlainConn>(std::move(*fd)));
  auto ctx = trust->Context();
  if (!ctx.ok()) return ctx.error();
  int sock = fd->get();
  SSL* ssl = SSL_new(*ctx);
  if (!ssl) return Status::Unavailable("tls: " + OpenSslError());
  auto conn = std::make_unique<TlsConn>(std::move(*fd), ssl);  // owns both from here
  std::string name =
      host.size() > 1 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  unsigned char addr[16];
  bool is_ip = ::inet_pton(AF_INET, name.c_str(), addr) == 1 ||
               ::inet_pton(AF_INET6, name.c_str(), addr) == 1;
  int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str())
           : SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 ? SSL_set1_host(ssl, name.c_str())
                                                              : 0;
  if (ok != 1 || SSL_set_fd(ssl, sock) != 1) return Status::Unavailable("tls: " + OpenSslError());
  if (SSL_connect(ssl) != 1) {
    long verify = SSL_get_verify_result(ssl);
    std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : OpenSslError();
    ERR_clear_error();
    return Status::Unavailable("tls handshake with " + host + ": " + why);
  }
  return std::unique_ptr<RegistryConn>(std::move(conn));
}

}  // namespace nimbus::image
