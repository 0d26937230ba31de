// Response side of HttpConnection: status line, headers, Content-Length/chunked/EOF bodies.
#include <charconv>

#include "codec.h"
#include "http_connection.h"

namespace nimbus::lambda::internal {
namespace {

constexpr std::size_t kMaxLine = 16 * 1024;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxHeaders = 100;

Error protocol(std::string message) { return Error{ErrorCode::kProtocol, std::move(message)}; }

bool parse_decimal(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_hex(std::string_view s, std::size_t& out) {
  std::size_t semi = s.find(';');  // chunk extensions are ignored
  s = trim(s.substr(0, semi));
  if (s.empty() || s.size() > 15) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<HttpResponse> HttpConnection::read_response(const Wait& wait, std::size_t max_body) {
  bool close_after = false;
  Result<HttpResponse> r = read_one(wait, max_body, close_after);
  if (!r.ok() || close_after) close();
  return r;
}

Result<HttpResponse> HttpConnection::read_one(const Wait& wait, std::size_t max_body,
                                              bool& close_after) {
  for (;;) {  // loop over interim 1xx responses
    auto status_line = read_line(wait, kMaxLine);
    if (!status_line.ok()) return status_line.error();
    std::string_view line = *status_line;
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' ||
        (line.size() > 12 && line[12] != ' ')) {
      return protocol("malformed status line");
    }
    bool http10 = line[7] == '0';
    std::size_t code = 0;
    if (!parse_decimal(line.substr(9, 3), code) || code < 100) {
      return protocol("malformed status code");
    }
    HttpResponse response;
    response.status = static_cast<int>(code);
    std::size_t header_bytes = 0;
    for (;;) {
      auto h = read_line(wait, kMaxLine);
      if (!h.ok()) return h.error();
      if (h->empty()) break;
      header_bytes += h->size();
      if (header_bytes > kMaxHeaderBytes || response.headers.size() >= kMaxHeaders) {
        return protocol("response headers too large");
      }
      std::size_t colon = h->find(':');
      if (colon == std::string_view::npos || colon == 0) return protocol("malformed header");
      response.headers.emplace_back(std::string(h->substr(0, colon)),
                                    std::string(trim(h->substr(colon + 1))));
    }
    if (code < 200) continue;

    const std::string* connection = response.header("Connection");
    close_after = http10 ? !(connection && iequals(*connection, "keep-alive"))
                         : (connection && iequals(*connection, "close"));
    if (code == 204 || code == 304) return response;
    const std::string* te = response.header("Transfer-Encoding");
    if (te) {
      if (!iequals(*te, "chunked")) return protocol("unsupported Transfer-Encoding");
      Status s = read_chunked(response.body, wait, max_body);
      if (!s.ok()) return s.error();
      return response;
    }
    std::size_t length = 0;
    bool have_length = false;
    for (const auto& [k, v] : response.headers) {
      if (!iequals(k, "Content-Length")) continue;
      std::size_t n = 0;
      if (!parse_decimal(v, n) || (have_length && n != length)) {
        return protocol("invalid Content-Length");
      }
      length = n;
      have_length = true;
    }
    if (!have_length) {
      close_after = true;
      Status s = read_to_eof(response.body, wait, max_body);
      if (!s.ok()) return s.error();
      return response;
    }
    if (length > max_body) return protocol("response body too large");
    response.body.reserve(length);
    Status s = read_exact(length, response.body, wait);
    if (!s.ok()) return s.error();
    return response;
  }
}

Status HttpConnection::read_chunked(std::string& body, const Wait& wait, std::size_t max_body) {
  for (;;) {
    auto size_line = read_line(wait, kMaxLine);
    if (!size_line.ok()) return size_line.error();
    std::size_t size = 0;
    if (!parse_hex(*size_line, size)) return protocol("invalid chunk size");
    if (size == 0) break;
    if (size > max_body || body.size() + size > max_body)
      return protocol("response body too large");
    Status s = read_exact(size, body, wait);
    if (!s.ok()) return s;
    auto crlf = read_line(wait, 0);
    if (!crlf.ok())
      return crlf.error().code == ErrorCode::kProtocol
                 ? Status(protocol("missing CRLF after chunk"))
                 : Status(crlf.error());
  }
  std::size_t trailer_bytes = 0;
  for (;;) {  // trailers, ignored
    auto t = read_line(wait, kMaxLine);
    if (!t.ok()) return t.error();
    if (t->empty()) return {};
    trailer_bytes += t->size();
    if (trailer_bytes > kMaxHeaderBytes) return protocol("trailers too large");
  }
}

Status HttpConnection::read_to_eof(std::string& body, const Wait& wait, std::size_t max_body) {
  for (;;) {
    body.append(buf_, pos_, std::string::npos);
    pos_ = buf_.size();
    if (body.size() > max_body) return protocol("response body too large");
    Status s = fill(wait);
    if (!s.ok()) {
      if (s.error().code == ErrorCode::kConnection) return {};  // EOF ends the body
      return s;
    }
  }
}

}  // namespace nimbus::lambda::internal
