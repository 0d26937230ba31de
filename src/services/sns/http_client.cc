#include "services/sns/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace nimbus::sns {
namespace asio = boost::asio;
namespace {

constexpr auto kAwait = asio::use_awaitable;
constexpr size_t kMaxBodyKept = 64 * 1024;
// Idle connections kept per host:port (as many as deliveries may run at once).
constexpr size_t kMaxIdlePerHost = 512;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<HttpTarget> ParseHttpUrl(std::string_view url) {
  HttpTarget t;
  std::string lower = Lower(url.substr(0, 8));
  if (lower.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
    t.port = "80";
  } else if (lower.rfind("https://", 0) == 0) {
    url.remove_prefix(8);
    t.tls = true;
    t.port = "443";
  } else {
    return std::nullopt;
  }
  size_t slash = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, slash);
  t.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (!t.path.empty() && t.path[0] == '?') t.path = "/" + t.path;
  if (size_t hash = t.path.find('#'); hash != std::string::npos) t.path.resize(hash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    t.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority[0] == ':') t.port = std::string(authority.substr(1));
  } else {
    size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) t.port = std::string(authority.substr(colon + 1));
  }
  if (t.host.empty() || t.port.empty()) return std::nullopt;
  return t;
}

namespace {

// Writes `request` on `socket` and reads the response (status, body up to kMaxBodyKept);
// `reusable` tells whether the connection may carry another request.
template <class Stream>
asio::awaitable<HttpOutcome> Exchange(Stream& socket, const std::string& request, bool& reusable) {
  HttpOutcome out;
  reusable = false;
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(request), asio::redirect_error(kAwait, ec));
  if (ec) {
    out.error = "write: " + ec.message();
    co_return out;
  }
  asio::streambuf buf;
  size_t head_len =
      co_await asio::async_read_until(socket, buf, "\r\n\r\n", asio::redirect_error(kAwait, ec));
  if (ec) {
    out.error = "read: " + ec.message();
    co_return out;
  }
  std::string head(asio::buffers_begin(buf.data()),
                   asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(head_len));
  buf.consume(head_len);
  // "HTTP/1.1 200 OK"
  size_t sp = head.find(' ');
  if (head.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos) {
    out.error = "malformed response";
    co_return out;
  }
  out.status = std::atoi(head.c_str() + sp + 1);
  std::string lower = Lower(head);
  bool close =
      lower.find("\r\nconnection: close") != std::string::npos || lower.rfind("http/1.0", 0) == 0;
  size_t cl = lower.find("\r\ncontent-length:");
  if (cl != std::string::npos) {
    size_t length = std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
    if (buf.size() < length) {
      co_await asio::async_read(socket, buf, asio::transfer_exactly(length - buf.size()),
                                asio::redirect_error(kAwait, ec));
      if (ec) co_return out;
    }
    out.body.assign(asio::buffers_begin(buf.data()),
                    asio::buffers_begin(buf.data()) +
                        static_cast<std::ptrdiff_t>(std::min(length, kMaxBodyKept)));
    reusable = !close && buf.size() == length;
  } else if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    co_await asio::async_read_until(socket, buf, "0\r\n\r\n", asio::redirect_error(kAwait, ec));
    reusable = false;
  } else if (out.status != 204 && out.status != 304 && out.status >= 200) {
    co_await asio::async_read(socket, buf, asio::transfer_at_least(1 << 30),
                              asio::redirect_error(kAwait, ec));  // to EOF
    out.body.assign(asio::buffers_begin(buf.data()),
                    asio::buffers_begin(buf.data()) +
                        static_cast<std::ptrdiff_t>(std::min(buf.size(), kMaxBodyKept)));
  } else {
    reusable = !close;
  }
  co_return out;
}

}  // namespace

struct HttpClient::Tls {
  asio::ssl::context ctx{asio::ssl::context::tls_client};
};

HttpClient::HttpClient(asio::io_context& loop, const std::string& extra_ca_file)
    : loop_(loop), extra_ca_file_(extra_ca_file) {}

HttpClient::Tls& HttpClient::TlsState() {
  if (tls_) return *tls_;
  // Made on first use: the system trust store costs 10-30 ms to parse, which start-up need not
  // pay for deliveries that may never go to an https endpoint.
  tls_ = std::make_unique<Tls>();
  boost::system::error_code ec;
  tls_->ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1,
                        ec);
  tls_->ctx.set_default_verify_paths(ec);
  if (!extra_ca_file_.empty()) tls_->ctx.load_verify_file(extra_ca_file_, ec);
  tls_->ctx.set_verify_mode(asio::ssl::verify_peer, ec);
  return *tls_;
}

HttpClient::~HttpClient() = default;

asio::awaitable<HttpOutcome> HttpClient::SendTls(const HttpTarget& target,
                                                 const std::string& request,
                                                 std::chrono::milliseconds timeout) {
  HttpOutcome out;
  asio::ssl::stream<Socket> stream(loop_, TlsState().ctx);
  asio::steady_timer timer(loop_);
  bool timed_out = false;
  timer.expires_after(timeout);
  timer.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    boost::system::error_code ignored;
    stream.lowest_layer().close(ignored);
  });
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(loop_);
  auto endpoints =
      co_await resolver.async_resolve(target.host, target.port, asio::redirect_error(kAwait, ec));
  if (!ec && !timed_out) {
    co_await asio::async_connect(stream.lowest_layer(), endpoints,
                                 asio::redirect_error(kAwait, ec));
  }
  if (!ec && !timed_out) {
    SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(target.host), ec);
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(kAwait, ec));
  }
  if (ec || timed_out) {
    out.error = timed_out ? "timeout" : "tls: " + ec.message();
    timer.cancel();
    co_return out;
  }
  bool reusable = false;
  out = co_await Exchange(stream, request, reusable);
  if (timed_out) out = HttpOutcome{0, "timeout", ""};
  co_await stream.async_shutdown(asio::redirect_error(kAwait, ec));
  timer.cancel();
  co_return out;
}

asio::awaitable<HttpOutcome> HttpClient::Send(const HttpTarget& target, std::string method,
                                              const HttpHeaders& headers, const std::string& body,
                                              std::chrono::milliseconds timeout) {
  HttpOutcome out;
  std::string host_header = target.host.find(':') != std::string::npos
                                ? "[" + target.host + "]:" + target.port
                                : target.host + ":" + target.port;
  std::string request = method + " " + target.path + " HTTP/1.1\r\nHost: " + host_header + "\r\n";
  for (const auto& [k, v] : headers.entries()) request += k + ": " + v + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  if (target.tls) {
    out = co_await SendTls(target, request, timeout);
    co_return out;
  }

  std::string key = host_header;
  asio::steady_timer timer(loop_);
  Socket* active = nullptr;
  bool timed_out = false;
  timer.expires_after(timeout);
  timer.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    if (active != nullptr) {
      boost::system::error_code ignored;
      active->close(ignored);
    }
  });
  // A kept-alive connection first; when the peer had closed it, the next one (or a fresh one).
  auto& idle = idle_[key];
  while (!timed_out) {
    std::unique_ptr<Socket> socket;
    bool reused = !idle.empty();
    if (reused) {
      socket = std::move(idle.back());
      idle.pop_back();
    } else {
      socket = std::make_unique<Socket>(loop_);
      active = socket.get();
      boost::system::error_code ec;
      asio::ip::tcp::resolver resolver(loop_);
      auto endpoints = co_await resolver.async_resolve(target.host, target.port,
                                                       asio::redirect_error(kAwait, ec));
      if (ec || timed_out) {
        out.error = timed_out ? "timeout" : "resolve: " + ec.message();
        break;
      }
      co_await asio::async_connect(*socket, endpoints, asio::redirect_error(kAwait, ec));
      if (ec || timed_out) {
        out.error = timed_out ? "timeout" : "connect: " + ec.message();
        break;
      }
      socket->set_option(asio::ip::tcp::no_delay(true), ec);
    }
    active = socket.get();
    bool reusable = false;
    out = co_await Exchange(*socket, request, reusable);
    active = nullptr;
    if (timed_out) {
      out = HttpOutcome{0, "timeout", ""};
      break;
    }
    if (out.status != 0) {
      if (reusable && idle.size() < kMaxIdlePerHost) idle.push_back(std::move(socket));
      break;
    }
    if (!reused) break;  // a fresh connection failed: no second try
  }
  timer.cancel();
  co_return out;
}

}  // namespace nimbus::sns
