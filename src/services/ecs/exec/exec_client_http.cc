#include "services/ecs/exec/exec_client_http.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/ids.h"
#include "protocol/websocket.h"
#include "protocol/wire.h"

namespace nimbus::ecs::exec {
namespace {

std::string HostHeader(const Endpoint& e) {
  std::string host = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  return host + ":" + e.port;
}

// Reads until the head is complete; the head, and what followed it in `rest`.
Result<std::string> ReadHead(int fd, std::string& rest) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      rest = buf.substr(end + 4);
      return buf.substr(0, end + 4);
    }
    if (buf.size() > 64 * 1024) return Status::InvalidArgument("response head too large");
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("the connection closed before a response");
    buf.append(chunk, static_cast<size_t>(n));
  }
}

int StatusOf(const std::string& head) {
  size_t sp = head.find(' ');
  return sp == std::string::npos ? 0 : std::atoi(head.c_str() + sp + 1);
}

}  // namespace

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Result<Endpoint> ParseUrl(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Status::InvalidArgument("not a URL: " + url);
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "ws") {
    return Status::InvalidArgument("only http:// and ws:// URLs are supported: " + url);
  }
  std::string rest = url.substr(scheme_end + 3);
  size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  Endpoint e;
  e.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (e.path[0] == '?') e.path = "/" + e.path;
  e.port = "80";
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return Status::InvalidArgument("malformed URL: " + url);
    e.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      e.port = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    e.host = authority.substr(0, colon);
    if (colon != std::string::npos) e.port = authority.substr(colon + 1);
  }
  if (e.host.empty() || e.port.empty()) return Status::InvalidArgument("malformed URL: " + url);
  return e;
}

Result<sandbox::UniqueFd> Connect(const Endpoint& e) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(e.host.c_str(), e.port.c_str(), &hints, &found); rc != 0) {
    return Status::Unavailable("resolve " + e.host + ": " + ::gai_strerror(rc));
  }
  std::string last = "no address";
  sandbox::UniqueFd fd;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd.reset(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd.valid()) continue;
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) break;
    last = std::strerror(errno);
    fd.reset();
  }
  ::freeaddrinfo(found);
  if (!fd.valid()) return Status::Unavailable("connect to " + HostHeader(e) + ": " + last);
  return fd;
}

Result<WebSocketStart> OpenWebSocket(const std::string& url) {
  auto endpoint = ParseUrl(url);
  if (!endpoint.ok()) return endpoint.error();
  auto fd = Connect(*endpoint);
  if (!fd.ok()) return fd.error();
  std::string key = wire::Base64Encode(RandomHex(16));  // 16 bytes
  std::string request =
      "GET " + endpoint->path + " HTTP/1.1\r\nHost: " + HostHeader(*endpoint) +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
      "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!WriteAll(fd->get(), request)) return Status::Unavailable("send failed");
  WebSocketStart start;
  auto head = ReadHead(fd->get(), start.pending);
  if (!head.ok()) return head.error();
  if (StatusOf(*head) != 101) {
    return Status::Unavailable("the stream answered HTTP " + std::to_string(StatusOf(*head)));
  }
  std::string accept = ws::AcceptKey(key);
  if (head->find(accept) == std::string::npos) {
    return Status::Unavailable("the stream's Sec-WebSocket-Accept does not match");
  }
  start.socket = std::move(*fd);
  return start;
}

}  // namespace nimbus::ecs::exec
