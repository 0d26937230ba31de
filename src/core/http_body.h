// A request body the handler pulls from the connection itself instead of receiving it read whole
// in HttpRequest::body: large uploads can then go to disk as they arrive, in bounded memory.
//
// The HTTP server sets HttpRequest::body_stream for the handlers that read bodies themselves
// (see HttpServer); everything else gets request.body filled as before. The stream is owned by
// the server and valid only while the handler runs, on the connection's event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/http.h"

namespace nimbus {

// Sees every byte of a body as it comes off the connection (through Next and ReadAll alike)
// and then judges the whole, so a body can be checked (e.g. against its signed SHA-256) in the
// same pass that reads it, before its consumer acts on its end.
class HttpBodyCheck {
 public:
  virtual ~HttpBodyCheck() = default;
  virtual void Update(std::string_view bytes) = 0;
  // Called once, when the last byte was seen. nullopt: the body holds. Otherwise the body
  // fails (Next gives nullopt instead of its end, ReadAll false) and the server answers with
  // this response instead of the handler's, then closes the connection.
  virtual std::optional<HttpResponse> Verdict() = 0;
};

class HttpBodyStream {
 public:
  virtual ~HttpBodyStream() = default;

  // Attaches `check` (which must outlive the stream) before the first read; null detaches.
  virtual void SetCheck(HttpBodyCheck* check) = 0;

  // The declared length (Content-Length); nullopt for a chunked body.
  virtual std::optional<uint64_t> length() const = 0;
  // Body bytes handed out so far.
  virtual uint64_t consumed() const = 0;
  // The next piece of the body (de-chunked, sends "100 Continue" first when the client asked),
  // valid until the next call; an empty view once the body is complete. nullopt when the body
  // cannot be read: the peer closed or stalled, or the body broke its framing or a size limit.
  // The server then answers (or just closes) on its own and ignores the handler's response.
  virtual boost::asio::awaitable<std::optional<std::string_view>> Next() = 0;
  // Appends the rest of the body to `out`, within the server's limit for bodies held in memory
  // (HttpLimits::max_body_bytes, else 413). False as for Next().
  virtual boost::asio::awaitable<bool> ReadAll(std::string& out) = 0;
  // Trailer fields of a chunked body, valid once Next() returned the empty view (empty
  // otherwise, and for bodies that are not chunked).
  virtual const HttpHeaders& trailers() const = 0;
};

// A response body produced while it is sent (HttpResponse::stream), e.g. events of a function's
// streamed response. The server pulls it piece by piece on the connection's event loop and
// sends each piece as one HTTP chunk; it drops the stream (destroys its reference) when the body
// is complete or the client went away.
class HttpResponseStream {
 public:
  virtual ~HttpResponseStream() = default;
  // Replaces `piece` with the next bytes of the body (may wait for them). False once the body
  // is complete (`piece` is then ignored). Called on the connection's event loop, one call at
  // a time.
  virtual boost::asio::awaitable<bool> Next(std::string& piece) = 0;
};

// Reads a body not read yet (request.body_stream) into request.body and clears body_stream.
// True when there was none. False when it could not be read (see HttpBodyStream::Next): the
// handler should return at once; its response is ignored.
inline boost::asio::awaitable<bool> ReadRequestBody(HttpRequest& request) {
  HttpBodyStream* stream = std::exchange(request.body_stream, nullptr);
  if (stream == nullptr) co_return true;
  co_return co_await stream->ReadAll(request.body);
}

}  // namespace nimbus
