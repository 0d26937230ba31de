#include "services/sns/cert_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <optional>

namespace nimbus::sns {
namespace asio = boost::asio;
using asio::ip::tcp;

struct CertServer::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(asio::io_context& loop) : acceptor(loop) {}
  // Made on the loop before the first accept: OpenSSL's set-up costs milliseconds that
  // start-up need not wait for.
  std::optional<asio::ssl::context> ssl;
  std::string cert_pem, key_pem;
  tcp::acceptor acceptor;
  std::string path;
  std::function<std::string()> body;

  asio::awaitable<void> Serve(tcp::socket socket) {
    auto self = shared_from_this();
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *ssl);
    // A client gets 10 s for the handshake and its request.
    asio::steady_timer deadline(stream.get_executor(), std::chrono::seconds(10));
    deadline.async_wait([&stream](boost::system::error_code ec) {
      if (!ec) stream.lowest_layer().close(ec);
    });
    boost::system::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    asio::streambuf buf(16 * 1024);
    co_await asio::async_read_until(stream, buf, "\r\n\r\n",
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::string head(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    std::string line = head.substr(0, head.find("\r\n"));
    bool found = line == "GET " + path + " HTTP/1.1" || line == "GET " + path + " HTTP/1.0";
    std::string content = found ? body() : "Not Found\n";
    std::string response =
        std::string(found ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
        "\r\nContent-Type: " + (found ? "application/x-x509-ca-cert" : "text/plain") +
        "\r\nContent-Length: " + std::to_string(content.size()) + "\r\nConnection: close\r\n\r\n" +
        content;
    co_await asio::async_write(stream, asio::buffer(response),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    deadline.cancel();
  }

  boost::system::error_code MakeContext() {
    boost::system::error_code ec;
    ssl.emplace(asio::ssl::context::tls_server);
    ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     ec);
    ssl->use_certificate_chain(asio::buffer(cert_pem), ec);
    if (!ec) ssl->use_private_key(asio::buffer(key_pem), asio::ssl::context::pem, ec);
    return ec;
  }

  asio::awaitable<void> Accept() {
    auto self = shared_from_this();
    if (boost::system::error_code ec = MakeContext()) {
      std::fprintf(stderr, "nimbus: sns: the https port cannot load its certificate: %s\n",
                   ec.message().c_str());
      acceptor.close(ec);
      co_return;
    }
    while (acceptor.is_open()) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) co_return;
        continue;
      }
      asio::co_spawn(acceptor.get_executor(), Serve(std::move(s)), asio::detached);
    }
  }
};

Result<std::unique_ptr<CertServer>> CertServer::Start(asio::io_context& loop,
                                                      const std::string& host, uint16_t port,
                                                      const LocalTls& tls, std::string path,
                                                      std::function<std::string()> body) {
  auto impl = std::make_shared<Impl>(loop);
  impl->path = std::move(path);
  impl->body = std::move(body);
  impl->cert_pem = tls.server_cert;
  impl->key_pem = tls.server_key;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host.empty() ? "127.0.0.1" : host, ec);
  if (ec) address = asio::ip::make_address("127.0.0.1");
  tcp::endpoint endpoint(address, port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen for https on " + host + ":" + std::to_string(port) +
                               ": " + ec.message());
  }
  uint16_t bound = impl->acceptor.local_endpoint().port();
  asio::co_spawn(loop, impl->Accept(), asio::detached);
  return std::unique_ptr<CertServer>(new CertServer(impl, bound));
}

CertServer::~CertServer() { Stop(); }

void CertServer::Stop() {
  if (!impl_) return;
  auto impl = impl_;
  asio::post(impl->acceptor.get_executor(), [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
  });
}

}  // namespace nimbus::sns
