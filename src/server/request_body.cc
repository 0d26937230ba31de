#include "server/request_body.h"

#include <algorithm>

#include "server/response_writer.h"

namespace nimbus {

namespace asio = boost::asio;

namespace {
constexpr size_t kPiece = 256 * 1024;  // largest socket read per Next()
}  // namespace

RequestBody::RequestBody(HttpServer::Conn& conn, const RequestHead& head, std::string& buf,
                         const HttpLimits& limits, BodyPace pace)
    : conn_(conn),
      buf_(buf),
      limits_(limits),
      pace_(pace),
      framing_(head.framing),
      length_(head.content_length),
      expect_continue_(head.expect_continue),
      decoder_(std::max<size_t>(limits.max_body_bytes, limits.max_streamed_body_bytes)) {
  if (framing_ == BodyFraming::kNone) complete_ = true;
}

std::optional<uint64_t> RequestBody::length() const {
  if (framing_ == BodyFraming::kChunked) return std::nullopt;
  return framing_ == BodyFraming::kContentLength ? length_ : 0;
}

HttpServer::Conn::Clock::time_point RequestBody::ReadDeadline() {
  const auto now = HttpServer::Conn::Clock::now();
  auto deadline = now + pace_.stall;
  if (pace_.min_rate == 0) return deadline;
  if (!first_read_) first_read_ = now;
  auto budget = pace_.grace + std::chrono::seconds(received_ / pace_.min_rate);
  return std::min(deadline, *first_read_ + budget);
}

void RequestBody::Complete() {
  complete_ = true;
  done_at_ = std::chrono::steady_clock::now();
  if (check_ == nullptr) return;
  if (std::optional<HttpResponse> refusal = check_->Verdict()) {
    failed_ = true;  // the consumer gets nullopt instead of the body's end
    error_ = std::move(refusal);
  }
}

void RequestBody::FailRead(HttpServer::Conn::Clock::time_point deadline) {
  if (HttpServer::Conn::Clock::now() < deadline) {
    Fail(0, "");  // the client closed or reset: nobody to answer
  } else {
    Fail(408, kSlowRequestMessage);
  }
}

void RequestBody::Fail(int status, const std::string& message) {
  failed_ = true;
  if (status != 0) error_ = HttpLevelError(status, message);
}

asio::awaitable<bool> RequestBody::SendContinue() {
  continued_ = true;
  // A client that sent its whole body already is not waiting for it.
  if (framing_ == BodyFraming::kContentLength && buf_.size() >= length_) co_return true;
  co_return co_await conn_.Write("HTTP/1.1 100 Continue\r\n\r\n", {}, pace_.stall);
}

asio::awaitable<std::optional<std::string_view>> RequestBody::Next() {
  if (failed_) co_return std::nullopt;
  if (complete_) co_return std::string_view();
  if (ContinueOwed() && !co_await SendContinue()) {
    Fail(0, "");
    co_return std::nullopt;
  }
  if (framing_ == BodyFraming::kContentLength) {
    uint64_t left = length_ - consumed_;
    size_t n = 0;
    const char* data = nullptr;
    if (!buf_.empty()) {  // bytes that came with the head
      n = static_cast<size_t>(std::min<uint64_t>(buf_.size(), left));
      piece_.assign(buf_, 0, n);
      buf_.erase(0, n);
      data = piece_.data();
    } else {
      if (!scratch_) scratch_ = std::make_unique<char[]>(kPiece);
      auto deadline = ReadDeadline();
      n = co_await conn_.ReadSome(
          scratch_.get(), static_cast<size_t>(std::min<uint64_t>(left, kPiece)), deadline);
      if (n == 0) {
        FailRead(deadline);
        co_return std::nullopt;
      }
      received_ += n;
      data = scratch_.get();
    }
    consumed_ += n;
    Saw(std::string_view(data, n));
    if (consumed_ == length_) Complete();
    co_return std::string_view(data, n);
  }
  for (;;) {  // chunked
    piece_.clear();
    auto used = decoder_.Feed(buf_, piece_);
    if (!used.ok()) {
      Fail(used.error().status, used.error().message);
      co_return std::nullopt;
    }
    buf_.erase(0, *used);
    Saw(piece_);
    if (decoder_.done()) Complete();
    if (!piece_.empty() || complete_) {
      consumed_ += piece_.size();
      co_return std::string_view(piece_);
    }
    size_t old = buf_.size();
    buf_.resize(old + kPiece);
    auto deadline = ReadDeadline();
    size_t n = co_await conn_.ReadSome(buf_.data() + old, kPiece, deadline);
    buf_.resize(old + n);
    if (n == 0) {
      FailRead(deadline);
      co_return std::nullopt;
    }
    received_ += n;
  }
}

asio::awaitable<bool> RequestBody::ReadAll(std::string& out) {
  if (failed_) co_return false;
  if (framing_ == BodyFraming::kContentLength && length_ > limits_.max_body_bytes) {
    Fail(413, "request body too large");
    co_return false;
  }
  if (framing_ == BodyFraming::kContentLength && !complete_) {
    // Straight into `out`: one allocation, no intermediate copy.
    if (ContinueOwed() && !co_await SendContinue()) {
      Fail(0, "");
      co_return false;
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(buf_.size(), length_ - consumed_));
    Saw(std::string_view(buf_).substr(0, take));
    out.append(buf_, 0, take);
    buf_.erase(0, take);
    consumed_ += take;
    size_t at = out.size();
    out.resize(at + static_cast<size_t>(length_ - consumed_));
    while (consumed_ < length_) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(length_ - consumed_, 1 << 20));
      auto deadline = ReadDeadline();
      size_t n = co_await conn_.ReadSome(out.data() + at, want, deadline);
      if (n == 0) {
        out.resize(at);
        FailRead(deadline);
        co_return false;
      }
      received_ += n;
      Saw(std::string_view(out.data() + at, n));  // hashed while still in the cache
      at += n;
      consumed_ += n;
    }
    Complete();
    co_return !failed_;
  }
  size_t start = out.size();
  while (!complete_) {
    auto piece = co_await Next();
    if (!piece) co_return false;
    if (out.size() - start + piece->size() > limits_.max_body_bytes) {
      Fail(413, "request body too large");
      co_return false;
    }
    out.append(*piece);
  }
  co_return !failed_;
}

asio::awaitable<bool> RequestBody::Finish(uint64_t max_drain) {
  if (failed_) co_return false;
  if (complete_) co_return true;
  if (ContinueOwed()) co_return false;  // the client holds its body back
  if (length_ - consumed_ > max_drain && framing_ == BodyFraming::kContentLength) co_return false;
  uint64_t drained = 0;
  while (!complete_) {
    auto piece = co_await Next();
    if (!piece) co_return false;
    drained += piece->size();
    if (drained > max_drain) co_return false;
  }
  co_return true;
}

}  // namespace nimbus
