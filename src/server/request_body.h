// Internal to the HTTP server: one request's body as it comes off the connection, either read
// whole before the handler runs or pulled by the handler through HttpBodyStream. Lives on the
// connection's coroutine frame; touched only on its loop's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/http_body.h"
#include "core/http_parser.h"
#include "server/http_conn.h"

namespace nimbus {

// How fast a body must arrive. Each read waits at most `stall`; with a `min_rate`, the body
// must also have arrived at that average rate once `grace` has passed since its first read
// (by then, `grace` + bytes/min_rate after it), so a client trickling bytes cannot hold the
// connection for long.
struct BodyPace {
  std::chrono::seconds stall{75};
  uint64_t min_rate = 0;  // bytes per second; 0 = no minimum
  std::chrono::seconds grace{10};
};

class RequestBody : public HttpBodyStream {
 public:
  // `buf` holds the bytes read past the head (they may reach into the next request); what the
  // body takes from it is removed. `limits.max_body_bytes` bounds ReadAll;
  // `limits.max_streamed_body_bytes` bounds a chunked body pulled with Next.
  RequestBody(HttpServer::Conn& conn, const RequestHead& head, std::string& buf,
              const HttpLimits& limits, BodyPace pace);

  // True when the request has a body at all.
  bool present() const { return framing_ != BodyFraming::kNone; }
  void SetCheck(HttpBodyCheck* check) override { check_ = check; }
  std::optional<uint64_t> length() const override;
  uint64_t consumed() const override { return consumed_; }
  boost::asio::awaitable<std::optional<std::string_view>> Next() override;
  boost::asio::awaitable<bool> ReadAll(std::string& out) override;
  const HttpHeaders& trailers() const override { return decoder_.trailers(); }

  // After the handler: reads and discards what it left, at most `max_drain` bytes. False when
  // the connection cannot carry another request (too much left, the body failed, or the client
  // still waits for a "100 Continue" it was never sent).
  boost::asio::awaitable<bool> Finish(uint64_t max_drain);
  // Read to its end without failing (Finish() would return true at once).
  bool complete() const { return complete_ && !failed_; }
  // The body could not be read; error() is the response to send before closing, if any.
  bool failed() const { return failed_; }
  const std::optional<HttpResponse>& error() const { return error_; }
  // When the last body byte was read (nullopt until then, and for requests without a body).
  std::optional<std::chrono::steady_clock::time_point> done_at() const { return done_at_; }

 private:
  // The client asked for a "100 Continue" and was not sent one yet. (Checked before calling
  // SendContinue: a coroutine call costs a frame allocation.)
  bool ContinueOwed() const { return expect_continue_ && !continued_; }
  // Sends the "100 Continue" the client waits for (none when the whole body is here already).
  // Call only when ContinueOwed().
  boost::asio::awaitable<bool> SendContinue();
  // The body's last byte was read: asks the check (if any) for its verdict.
  void Complete();
  // Shows `bytes` (just read) to the check.
  void Saw(std::string_view bytes) {
    if (check_ != nullptr) check_->Update(bytes);
  }
  // The deadline of the next socket read under pace_ (starts the rate clock on first use).
  HttpServer::Conn::Clock::time_point ReadDeadline();
  void Fail(int status, const std::string& message);
  // A read that returned nothing: 408 RequestTimeout when `deadline` passed (a client too slow),
  // else a silent failure (the client closed).
  void FailRead(HttpServer::Conn::Clock::time_point deadline);

  HttpServer::Conn& conn_;
  std::string& buf_;
  HttpLimits limits_;
  BodyPace pace_;
  std::optional<HttpServer::Conn::Clock::time_point> first_read_;
  uint64_t received_ = 0;  // body bytes read off the socket (framing included)
  BodyFraming framing_;
  uint64_t length_;  // kContentLength only
  bool expect_continue_;
  bool continued_ = false;
  bool complete_ = false;
  bool failed_ = false;
  uint64_t consumed_ = 0;
  ChunkedDecoder decoder_;
  std::string piece_;                // the last piece handed out from buf_ / the decoder
  std::unique_ptr<char[]> scratch_;  // direct socket reads of a Content-Length body
  std::optional<HttpResponse> error_;
  HttpBodyCheck* check_ = nullptr;
  std::optional<std::chrono::steady_clock::time_point> done_at_;
};

}  // namespace nimbus
