#include "core/http_parser.h"

#include <algorithm>
#include <charconv>

namespace nimbus {
namespace {

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HttpParseError Bad(std::string message, int status = 400) {
  return HttpParseError{status, std::move(message)};
}

// True when the comma-separated header value contains `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (EqualsIgnoreCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Adds the trailer field `line` ("Name: value") to `out` unless it is malformed or the
// trailers already hold 64 fields.
void AddTrailer(std::string_view line, HttpHeaders& out) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || out.size() >= 64) return;
  std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!IsTokenChar(c)) return;
  }
  std::string_view value = Trim(line.substr(colon + 1));
  for (char c : value) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return;
  }
  out.Add(std::string(name), std::string(value));
}

// The codings of one Transfer-Encoding field: exactly "chunked", once per request (`seen`: an
// earlier field said it already).
Result<bool, HttpParseError> CheckTransferCodings(std::string_view value, bool seen) {
  bool any = false;
  while (true) {
    size_t comma = value.find(',');
    std::string_view coding = Trim(value.substr(0, comma));
    if (!coding.empty()) {
      if (!EqualsIgnoreCase(coding, "chunked")) {
        return Bad("unsupported Transfer-Encoding '" + std::string(coding) + "'", 501);
      }
      if (seen || any) return Bad("chunked applied more than once");
      any = true;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  if (!any) return Bad("empty Transfer-Encoding");
  return true;
}

Result<bool, HttpParseError> ParseRequestLine(std::string_view line, HttpRequest& request) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return Bad("malformed request line");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return Bad("malformed request line");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method) {
    if (!IsTokenChar(c)) return Bad("malformed method");
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return Bad("malformed request target");
  }
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1.") {
    if (version.substr(0, 5) == "HTTP/") return Bad("HTTP version not supported", 505);
    return Bad("malformed HTTP version");
  }
  if (version[7] != '0' && version[7] != '1') return Bad("HTTP version not supported", 505);
  request.method.assign(method);
  request.target.assign(target);
  request.version_minor = version[7] - '0';
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  // absolute-form ("http://host/path") is legal for proxies; keep only the path.
  if (path.substr(0, 7) == "http://" || path.substr(0, 8) == "https://") {
    size_t slash = path.find('/', path.find("//") + 2);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  if (path.empty() || (path.front() != '/' && path != "*")) return Bad("malformed request target");
  request.path.assign(path);
  request.query.assign(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  return true;
}

}  // namespace

Result<RequestHead, HttpParseError> ParseRequestHead(std::string_view data,
                                                     const HttpLimits& limits,
                                                     HttpRequest& request) {
  // Tolerate (RFC 9112 2.2) empty lines before the request line.
  size_t start = 0;
  while (start + 1 < data.size() && data[start] == '\r' && data[start + 1] == '\n') start += 2;
  // Reject a request whose method is already malformed without waiting for the whole head:
  // a TLS ClientHello (0x16 ...) on this plain-HTTP port gets its answer at once, so clients
  // that try https first (skopeo, podman, docker) fall back to http immediately.
  for (size_t i = start; i < data.size() && data[i] != ' '; ++i) {
    if (!IsTokenChar(data[i])) return Bad("malformed method (TLS or garbage on an HTTP port?)");
  }
  size_t end = data.find("\r\n\r\n", start);
  // A line ended by a bare LF is refused at once, as AWS's front ends refuse it, instead of
  // waiting for a CRLFCRLF that never comes (RFC 9112 2.2 lets a server reject it).
  const size_t scan_end = end == std::string_view::npos ? data.size() : end;
  for (size_t lf = data.find('\n', start); lf < scan_end; lf = data.find('\n', lf + 1)) {
    if (lf == 0 || data[lf - 1] != '\r') return Bad("malformed request: bare LF line ending");
  }
  if (end == std::string_view::npos) {
    if (data.size() > limits.max_head_bytes) {
      size_t line_end = data.find("\r\n");
      if (line_end == std::string_view::npos) return Bad("request line too long", 414);
      return Bad("request header fields too large", 431);
    }
    return RequestHead{};  // need more
  }
  if (end + 4 > limits.max_head_bytes) return Bad("request header fields too large", 431);

  RequestHead head;
  head.head_bytes = end + 4;
  std::string_view block = data.substr(start, end - start + 2);  // each line ends with CRLF
  size_t line_end = block.find("\r\n");
  auto line = ParseRequestLine(block.substr(0, line_end), request);
  if (!line.ok()) return line.take_error();
  block.remove_prefix(line_end + 2);

  request.headers.clear();
  bool have_length = false, chunked = false;
  head.keep_alive = request.version_minor >= 1;
  while (!block.empty()) {
    line_end = block.find("\r\n");
    std::string_view field = block.substr(0, line_end);
    block.remove_prefix(line_end + 2);
    if (field.empty()) continue;
    if (field.front() == ' ' || field.front() == '\t') return Bad("obsolete header folding");
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return Bad("malformed header field");
    std::string_view name = field.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c)) return Bad("malformed header name");
    }
    std::string_view value = Trim(field.substr(colon + 1));
    for (char c : value) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
        return Bad("invalid character in header value");
      }
    }
    if (request.headers.size() >= limits.max_headers) return Bad("too many header fields", 431);
    if (EqualsIgnoreCase(name, "content-length")) {
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || value.empty()) {
        return Bad("invalid Content-Length");
      }
      if (have_length && n != head.content_length) return Bad("conflicting Content-Length");
      have_length = true;
      head.content_length = n;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      // Only "chunked" is understood (RFC 9112 6.1: any other coding, e.g. "gzip, chunked",
      // is 501 Not Implemented); chunked twice is a framing error.
      auto coding = CheckTransferCodings(value, chunked);
      if (!coding.ok()) return coding.take_error();
      chunked = true;
    } else if (EqualsIgnoreCase(name, "connection")) {
      if (HasToken(value, "close")) head.keep_alive = false;
      if (HasToken(value, "keep-alive")) head.keep_alive = true;
    } else if (EqualsIgnoreCase(name, "expect")) {
      if (!EqualsIgnoreCase(value, "100-continue")) return Bad("unsupported expectation", 417);
      head.expect_continue = true;
    }
    request.headers.AddCopy(name, value);
  }
  if (chunked && have_length) return Bad("both Content-Length and chunked Transfer-Encoding");
  if (chunked && request.version_minor == 0) {
    return Bad("Transfer-Encoding in an HTTP/1.0 request");  // RFC 9112 6.1: faulty framing
  }
  if (chunked) {
    head.framing = BodyFraming::kChunked;
  } else if (have_length) {
    if (head.content_length > limits.max_body_bytes) return Bad("request body too large", 413);
    head.framing = head.content_length > 0 ? BodyFraming::kContentLength : BodyFraming::kNone;
  }
  if (head.framing == BodyFraming::kNone) head.expect_continue = false;
  return head;
}

Result<size_t, HttpParseError> ChunkedDecoder::Feed(std::string_view in, std::string& out) {
  size_t pos = 0;
  while (pos < in.size() && state_ != State::kDone) {
    std::string_view rest = in.substr(pos);
    switch (state_) {
      case State::kSize: {
        size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          if (rest.size() > 1024) return Bad("malformed chunk size");
          return pos;
        }
        std::string_view line = rest.substr(0, eol);
        line = line.substr(0, line.find(';'));  // drop chunk extensions
        line = Trim(line);
        uint64_t size = 0;
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || p != line.data() + line.size()) {
          return Bad("malformed chunk size");
        }
        if (size > max_body_ || total_ + size > max_body_)
          return Bad("request body too large", 413);
        pos += eol + 2;
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kData;
        break;
      }
      case State::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        out.append(rest.data(), take);
        total_ += take;
        remaining_ -= take;
        pos += take;
        if (remaining_ == 0) state_ = State::kDataCrlf;
        break;
      }
      case State::kDataCrlf: {
        if (rest.size() < 2) return pos;
        if (rest.substr(0, 2) != "\r\n") return Bad("malformed chunk terminator");
        pos += 2;
        state_ = State::kSize;
        break;
      }
      case State::kTrailer: {
        size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          if (rest.size() > 8192) return Bad("trailer too large", 431);
          return pos;
        }
        trailer_bytes_ += eol + 2;
        if (trailer_bytes_ > 64 * 1024) return Bad("trailers too large", 431);
        if (eol > 0) AddTrailer(rest.substr(0, eol), trailers_);
        pos += eol + 2;
        if (eol == 0) state_ = State::kDone;
        break;
      }
      case State::kDone:
        break;
    }
  }
  return pos;
}

}  // namespace nimbus
