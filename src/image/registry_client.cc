#include "image/registry_client.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/http.h"
#include "core/json_parse.h"
#include "image/registry_conn.h"

namespace nimbus::image {
namespace {

constexpr size_t kMaxHead = 64 * 1024;
constexpr int kMaxRedirects = 5;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Buffered reads from the connection.
class Reader {
 public:
  explicit Reader(RegistryConn& conn) : conn_(conn) {}
  // More bytes into buf_; false at EOF.
  Result<bool> Fill() {
    char tmp[64 * 1024];
    auto n = conn_.Recv(tmp, sizeof(tmp));
    if (!n.ok()) return n.error();
    buf_.append(tmp, *n);
    return *n > 0;
  }
  std::string buf_;

 private:
  RegistryConn& conn_;
};

Result<RegistryResponse> ReadHead(Reader& r) {
  size_t end;
  while ((end = r.buf_.find("\r\n\r\n")) == std::string::npos) {
    if (r.buf_.size() > kMaxHead) return Status::Unavailable("registry answer head too large");
    auto more = r.Fill();
    if (!more.ok()) return more.error();
    if (!*more) return Status::Unavailable("registry closed the connection before answering");
  }
  std::string head = r.buf_.substr(0, end);
  r.buf_.erase(0, end + 4);
  RegistryResponse resp;
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12)
    return Status::Unavailable("bad registry status line: " + status_line.substr(0, 80));
  resp.status = std::atoi(status_line.c_str() + 9);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t") + 1);
      std::string name = Lower(line.substr(0, colon));
      if (!resp.headers.count(name)) resp.headers[name] = value;
    }
    pos = next + 2;
  }
  return resp;
}

// The body (Content-Length, chunked, or to EOF) into `sink`.
Status ReadBody(Reader& r, const RegistryResponse& resp,
                const std::function<Status(std::string_view)>& sink) {
  auto te = resp.headers.find("transfer-encoding");
  if (te != resp.headers.end() && Lower(te->second).find("chunked") != std::string::npos) {
    while (true) {
      size_t eol;
      while ((eol = r.buf_.find("\r\n")) == std::string::npos) {
        auto more = r.Fill();
        if (!more.ok()) return more.error();
        if (!*more) return Status::Unavailable("registry body truncated");
      }
      uint64_t size = std::strtoull(r.buf_.substr(0, eol).c_str(), nullptr, 16);
      r.buf_.erase(0, eol + 2);
      if (size == 0) return Status::Ok();  // trailers ignored: the connection closes
      while (size > 0) {
        if (r.buf_.empty()) {
          auto more = r.Fill();
          if (!more.ok()) return more.error();
          if (!*more) return Status::Unavailable("registry body truncated");
        }
        size_t n = static_cast<size_t>(std::min<uint64_t>(size, r.buf_.size()));
        if (Status st = sink(std::string_view(r.buf_).substr(0, n)); !st.ok()) return st;
        r.buf_.erase(0, n);
        size -= n;
      }
      while (r.buf_.size() < 2) {
        auto more = r.Fill();
        if (!more.ok()) return more.error();
        if (!*more) return Status::Unavailable("registry body truncated");
      }
      r.buf_.erase(0, 2);
    }
  }
  auto cl = resp.headers.find("content-length");
  bool bounded = cl != resp.headers.end();
  uint64_t left = bounded ? std::strtoull(cl->second.c_str(), nullptr, 10) : UINT64_MAX;
  while (left > 0) {
    if (r.buf_.empty()) {
      auto more = r.Fill();
      if (!more.ok()) return more.error();
      if (!*more) {
        if (bounded) return Status::Unavailable("registry body truncated");
        return Status::Ok();
      }
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, r.buf_.size()));
    if (Status st = sink(std::string_view(r.buf_).substr(0, n)); !st.ok()) return st;
    r.buf_.erase(0, n);
    left -= n;
  }
  return Status::Ok();
}

}  // namespace

std::map<std::string, std::string> ParseBearerChallenge(std::string_view header) {
  std::map<std::string, std::string> out;
  size_t sp = header.find(' ');
  if (sp == std::string_view::npos || Lower(std::string(header.substr(0, sp))) != "bearer")
    return out;
  std::string_view rest = header.substr(sp + 1);
  while (!rest.empty()) {
    rest.remove_prefix(std::min(rest.find_first_not_of(" ,"), rest.size()));
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key = Lower(std::string(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value.push_back(rest[i]);
      }
      rest.remove_prefix(std::min(i + 1, rest.size()));
    } else {
      size_t comma = std::min(rest.find(','), rest.size());
      value = std::string(rest.substr(0, comma));
      rest.remove_prefix(comma);
    }
    out[key] = value;
  }
  return out;
}

RegistryClient::RegistryClient(std::string registry, bool plain_http, std::string ca_file)
    : registry_(std::move(registry)),
      plain_http_(plain_http),
      trust_(std::make_unique<TlsTrust>(std::move(ca_file))) {}

RegistryClient::~RegistryClient() = default;

Result<RegistryClient::Url> RegistryClient::ParseUrl(const std::string& url) const {
  std::string rest;
  Url out;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    out.tls = true;
  } else {
    return Status::Unavailable("bad registry URL " + url);
  }
  size_t slash = rest.find('/');
  out.authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = out.authority.rfind(':');
  if (colon != std::string::npos && out.authority.find(']', colon) == std::string::npos) {
    out.host = out.authority.substr(0, colon);
    out.port = out.authority.substr(colon + 1);
  } else {
    out.host = out.authority;
    out.port = out.tls ? "443" : "80";
  }
  return out;
}

Result<RegistryResponse> RegistryClient::Fetch(
    const Url& url, const std::string& accept,
    const std::function<Status(std::string_view)>& sink) {
  auto conn = RegistryConn::Open(url.host, url.port, url.tls ? trust_.get() : nullptr);
  if (!conn.ok()) return conn.error();
  std::string req = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.authority +
                    "\r\nUser-Agent: nimbus\r\nConnection: close\r\n";
  if (!accept.empty()) req += "Accept: " + accept + "\r\n";
  if (!token_.empty() && url.authority == registry_)
    req += "Authorization: Bearer " + token_ + "\r\n";
  req += "\r\n";
  if (Status st = (*conn)->Send(req); !st.ok()) return st;
  Reader reader(**conn);
  auto resp = ReadHead(reader);
  if (!resp.ok()) return resp.error();
  bool to_sink = sink && resp->status / 100 == 2;
  std::string* body = &resp->body;
  Status st = ReadBody(
      reader, *resp, to_sink ? sink : [body](std::string_view piece) {
        if (body->size() + piece.size() > (4u << 20))
          return Status::Unavailable("registry answer too large");
        body->append(piece);
        return Status::Ok();
      });
  if (!st.ok()) return st;
  return resp;
}

Status RegistryClient::Authenticate(const std::string& challenge) {
  auto params = ParseBearerChallenge(challenge);
  if (params.empty() || params["realm"].empty())
    return Status::Unauthenticated("pull access denied: the registry asks for credentials (" +
                                   challenge + ")");
  std::string url = params["realm"];
  std::string query;
  for (const char* key : {"service", "scope"}) {
    if (params.count(key)) {
      query += (query.empty() ? "?" : "&") + std::string(key) + "=" + PercentEncode(params[key]);
    }
  }
  auto parsed = ParseUrl(url + query);
  if (!parsed.ok()) return parsed.error();
  token_.clear();
  auto resp = Fetch(*parsed, "application/json", {});
  if (!resp.ok()) return resp.error();
  if (resp->status != 200) {
    return Status::Unauthenticated("pull access denied: token server answered " +
                                   std::to_string(resp->status));
  }
  auto doc = ParseJson(resp->body);
  std::string token;
  if (doc.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      if (doc.contains(key) && doc[key].is_string()) token = doc[key].get<std::string>();
      if (!token.empty()) break;
    }
  }
  if (token.empty()) return Status::Unauthenticated("pull access denied: no token in the answer");
  token_ = std::move(token);
  return Status::Ok();
}

Result<RegistryResponse> RegistryClient::Get(const std::string& path, const std::string& accept,
                                             const std::function<Status(std::string_view)>& sink) {
  std::string url = (plain_http_ ? "http://" : "https://") + registry_ + path;
  bool authenticated = false;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    auto parsed = ParseUrl(url);
    if (!parsed.ok()) return parsed.error();
    auto resp = Fetch(*parsed, accept, sink);
    if (!resp.ok()) return resp.error();
    if (resp->status == 401 && !authenticated && resp->headers.count("www-authenticate")) {
      if (Status st = Authenticate(resp->headers["www-authenticate"]); !st.ok()) return st;
      authenticated = true;
      --hop;
      continue;
    }
    if (resp->status / 100 == 3 && resp->headers.count("location")) {
      std::string loc = resp->headers["location"];
      url = loc.starts_with("/") ? "http://" + parsed->authority + loc : loc;
      continue;
    }
    return resp;
  }
  return Status::Unavailable("too many redirects from " + registry_);
}

}  // namespace nimbus::image
