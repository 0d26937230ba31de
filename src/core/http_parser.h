// Incremental HTTP/1.1 request parsing: the request head (request line and headers) and the
// body framing (Content-Length or chunked). Pure functions over byte buffers, no I/O, so the
// server, unit tests and the fuzzer drive exactly the same code. Never asserts on input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http.h"
#include "core/status.h"

namespace nimbus {

struct HttpLimits {
  size_t max_head_bytes = 64 * 1024;        // request line + headers
  size_t max_headers = 256;                 // header field count
  size_t max_body_bytes = 128 * 1024 * 1024;  // decoded body held in memory
  // A body a handler streams through HttpBodyStream (e.g. a registry blob upload to disk).
  size_t max_streamed_body_bytes = size_t{64} << 30;
};

// Why a request could not be parsed, and the status to answer before closing.
struct HttpParseError {
  int status = 400;     // 400, 413, 414, 431, 501, 505
  std::string message;  // short description for the error body and the log
};

enum class BodyFraming { kNone, kContentLength, kChunked };

struct RequestHead {
  size_t head_bytes = 0;  // bytes of the head including the final CRLFCRLF
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;  // valid when framing == kContentLength
  bool expect_continue = false;  // "Expect: 100-continue"
  bool keep_alive = true;        // after this request
};

// Parses the head at the start of `data` into `request` (method, target, path, query, version,
// headers). Returns head_bytes == 0 when more data is needed; an error when the head is
// malformed or over a limit (also when `data` already exceeds max_head_bytes without a full head).
Result<RequestHead, HttpParseError> ParseRequestHead(std::string_view data,
                                                     const HttpLimits& limits,
                                                     HttpRequest& request);

// Decodes a chunked body incrementally. Feed it bytes as they arrive; it appends payload bytes
// to `out` and reports how many input bytes it consumed. Trailer fields are kept (trailers()).
class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(size_t max_body_bytes) : max_body_(max_body_bytes) {}
  // Consumes a prefix of `in`. Returns consumed byte count, or an error (413 when the body
  // grows past the limit). done() turns true after the terminating chunk and trailers.
  Result<size_t, HttpParseError> Feed(std::string_view in, std::string& out);
  bool done() const { return state_ == State::kDone; }
  // Trailer fields read so far (complete once done()); malformed trailer lines are skipped.
  const HttpHeaders& trailers() const { return trailers_; }

 private:
  enum class State { kSize, kData, kDataCrlf, kTrailer, kDone };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  size_t total_ = 0;
  size_t max_body_;
  size_t trailer_bytes_ = 0;
  HttpHeaders trailers_;
};

}  // namespace nimbus
