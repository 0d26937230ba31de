#include "services/ecs/cli/api_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "auth/sigv4_sign.h"
#include "core/http.h"
#include "sandbox/fd.h"

namespace nimbus::ecs::cli {
namespace {

constexpr int kTimeoutSeconds = 60;

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string AmzDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<sandbox::UniqueFd> Connect(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return Status::Unavailable("cannot resolve " + host + ": " + gai_strerror(rc));
  std::string last = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    sandbox::UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd.valid()) continue;
    timeval tv{kTimeoutSeconds, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    last = std::strerror(errno);
  }
  ::freeaddrinfo(found);
  return Status::Unavailable("cannot connect to " + host + ":" + port + ": " + last);
}

// The body of a chunked message (the whole of it is in `raw`).
std::string Dechunk(std::string_view raw) {
  std::string out;
  while (!raw.empty()) {
    size_t eol = raw.find("\r\n");
    if (eol == std::string_view::npos) break;
    size_t size = std::strtoul(std::string(raw.substr(0, eol)).c_str(), nullptr, 16);
    if (size == 0) break;
    raw.remove_prefix(eol + 2);
    out.append(raw.substr(0, size));
    raw.remove_prefix(std::min(raw.size(), size + 2));
  }
  return out;
}

}  // namespace

ApiTarget ApiTargetFromEnvironment() {
  ApiTarget t;
  t.endpoint = Env("AWS_ENDPOINT_URL", Env("NIMBUS_ENDPOINT", t.endpoint));
  t.region = Env("AWS_REGION", Env("AWS_DEFAULT_REGION", t.region));
  t.access_key_id = Env("AWS_ACCESS_KEY_ID", t.access_key_id);
  t.secret_access_key = Env("AWS_SECRET_ACCESS_KEY", t.secret_access_key);
  t.session_token = Env("AWS_SESSION_TOKEN", "");
  return t;
}

Result<Value> CallJson(const ApiTarget& target, const std::string& signing_name,
                       const std::string& target_prefix, const std::string& operation,
                       const Value& input) {
  std::string authority = target.endpoint;
  if (authority.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("endpoint " + target.endpoint + " is not http://host:port");
  }
  authority = authority.substr(7);
  authority = authority.substr(0, authority.find('/'));
  std::string host = authority, port = "80";
  if (size_t colon = authority.rfind(':');
      colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);

  HttpRequest request;
  request.method = "POST";
  request.target = request.path = "/";
  request.body = input.dump();
  request.headers.Set("Host", authority);
  request.headers.Set("Content-Type", "application/x-amz-json-1.1");
  request.headers.Set("X-Amz-Target", target_prefix + "." + operation);
  auth::SigningParams params{
      target.access_key_id, target.secret_access_key, target.region, signing_name, AmzDate(),
      target.session_token};
  auth::SignRequest(request, params);

  std::string wire = "POST / HTTP/1.1\r\n";
  request.headers.Set("Content-Length", std::to_string(request.body.size()));
  request.headers.Set("Connection", "close");
  for (const auto& [name, value] : request.headers.entries()) wire += name + ": " + value + "\r\n";
  wire += "\r\n" + request.body;

  auto fd = Connect(host, port);
  if (!fd.ok()) return fd.error();
  for (size_t sent = 0; sent < wire.size();) {
    ssize_t n = ::send(fd->get(), wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Status::Unavailable("sending to " + authority + ": " + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd->get(), buf, sizeof(buf), 0);
    if (n < 0)
      return Status::Unavailable("reading from " + authority + ": " + std::strerror(errno));
    if (n == 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) {
    return Status::Unavailable("no HTTP response from " + authority);
  }
  int status = std::atoi(raw.c_str() + 9);
  std::string head = raw.substr(0, head_end);
  std::string body = raw.substr(head_end + 4);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head.find("transfer-encoding: chunked") != std::string::npos) body = Dechunk(body);
  Value out = Value::parse(body, nullptr, false);
  if (status != 200) {
    std::string code = out.is_object() ? out.value("__type", std::string()) : "";
    code = code.substr(code.rfind('#') + 1);
    std::string message =
        out.is_object() ? out.value("message", out.value("Message", std::string())) : body;
    return Status::FailedPrecondition((code.empty() ? "HTTP " + std::to_string(status) : code) +
                                      ": " + message);
  }
  if (out.is_discarded()) return Status::Unavailable("unreadable answer from " + authority);
  return out;
}

}  // namespace nimbus::ecs::cli
