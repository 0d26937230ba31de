// ResponseWriter: streamed responses with chunked encoding and error trailers.
#include <cstdio>

#include "client_impl.h"
#include "codec.h"

namespace nimbus::lambda {

namespace {
constexpr std::string_view kErrorTypeTrailer = "Lambda-Runtime-Function-Error-Type";
constexpr std::string_view kErrorBodyTrailer = "Lambda-Runtime-Function-Error-Body";

Error closed_writer() { return Error{ErrorCode::kInvalidArgument, "response stream is closed"}; }
}  // namespace

ResponseWriter::ResponseWriter(RuntimeClient::Impl* client, std::string request_id,
                               std::string content_type)
    : client_(client), request_id_(std::move(request_id)), content_type_(std::move(content_type)) {}

ResponseWriter::ResponseWriter(ResponseWriter&& other) noexcept
    : client_(other.client_),
      request_id_(std::move(other.request_id_)),
      content_type_(std::move(other.content_type_)),
      started_(other.started_),
      finished_(other.finished_) {
  other.client_ = nullptr;
  other.finished_ = true;
}

ResponseWriter::~ResponseWriter() {
  if (!finished_ && client_ != nullptr) (void)finish();
}

Status ResponseWriter::start() {
  auto& c = *client_;
  std::string head = c.request_head(
      "POST", "runtime/invocation/" + internal::escape_path_segment(request_id_) + "/response");
  head += "Content-Type: " + internal::header_safe(content_type_) + "\r\n";
  head += "Lambda-Runtime-Function-Response-Mode: streaming\r\n";
  head += "Transfer-Encoding: chunked\r\n";
  head += "Trailer: ";
  head.append(kErrorTypeTrailer).append(", ").append(kErrorBodyTrailer).append("\r\n\r\n");
  started_ = true;
  // Nothing has been sent yet, so connecting may be retried like any other request.
  Status s;
  auto delay = c.options.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    s = c.conn.is_open() ? Status() : c.conn.connect(c.io_wait());
    if (s.ok() || attempt >= c.options.max_attempts) break;
    RuntimeClient::Impl::backoff_sleep(delay, false);
    delay = std::min(delay * 2, c.options.max_backoff);
  }
  if (s.ok()) s = c.conn.send({head}, c.io_wait());
  if (!s.ok()) finished_ = true;
  return s;
}

Status ResponseWriter::write(std::string_view bytes) {
  if (finished_ || client_ == nullptr) return closed_writer();
  if (!started_) {
    Status s = start();
    if (!s.ok()) return s;
  }
  if (bytes.empty()) return {};
  char size_line[24];
  int n = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", bytes.size());
  Status s =
      client_->conn.send({std::string_view(size_line, n), bytes, "\r\n"}, client_->io_wait());
  if (!s.ok()) {
    finished_ = true;
    client_->conn.close();
  }
  return s;
}

namespace {

// Sends the last chunk (with optional trailers), reads the answer and closes the connection,
// as the streaming protocol expects.
Status end_stream(RuntimeClient::Impl& c, std::string_view last_chunk) {
  internal::Wait wait = c.io_wait();
  Status s = c.conn.send({last_chunk}, wait);
  if (s.ok()) {
    auto r = c.conn.read_response(wait, kMaxReplyBytes);
    if (!r.ok()) {
      s = r.error();
    } else if (r->status < 200 || r->status >= 300) {
      s = status_error(*r);
    }
  }
  c.conn.close();
  return s;
}

}  // namespace

Status ResponseWriter::finish() {
  if (finished_ || client_ == nullptr) return {};
  if (!started_) {
    Status s = start();
    if (!s.ok()) return s;
  }
  finished_ = true;
  return end_stream(*client_, "0\r\n\r\n");
}

Status ResponseWriter::fail(std::string_view error_type, std::string_view error_message) {
  if (finished_ || client_ == nullptr) return closed_writer();
  finished_ = true;
  std::string json = error_json(error_message, error_type);
  if (!started_) {
    return client_->post_error(
        "runtime/invocation/" + internal::escape_path_segment(request_id_) + "/error", error_type,
        json);
  }
  std::string last = "0\r\n";
  last.append(kErrorTypeTrailer).append(": ").append(internal::header_safe(error_type));
  last.append("\r\n").append(kErrorBodyTrailer).append(": ");
  last.append(internal::base64_encode(json)).append("\r\n\r\n");
  return end_stream(*client_, last);
}

}  // namespace nimbus::lambda
