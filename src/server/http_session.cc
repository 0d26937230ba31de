// HttpServer's per-connection coroutine: read a request, call the handler, write the response,
// repeat while the connection is kept alive.
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/http_upgrade.h"
#include "server/http_conn.h"
#include "server/http_server.h"
#include "server/request_body.h"
#include "server/response_writer.h"

namespace nimbus {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Bytes asked for per read of a request head (and whatever body follows it). Small on purpose:
// the buffer grows zero-filled by this much before each read, and a body is read by
// RequestBody in its own, larger pieces.
constexpr size_t kReadChunk = 4 * 1024;
constexpr uint64_t kMaxDrain = 1 << 20;     // body bytes a handler left that are read and dropped
constexpr size_t kMaxHeldBody = 64 * 1024;  // larger bodies are sent at once, not copied

// Appends what the socket has to `buf` (held responses go out first: HttpServer::Conn). False
// on EOF, error or stall timeout.
asio::awaitable<bool> ReadMore(HttpServer::Conn& conn, std::string& buf,
                               HttpServer::Conn::Clock::time_point until,
                               size_t max_read = kReadChunk) {
  size_t old = buf.size();
  buf.resize(old + max_read);
  size_t n = co_await conn.ReadSome(buf.data() + old, max_read, until);
  buf.resize(old + n);
  co_return n > 0;
}

// Streams a file region with sendfile(2), waiting for writability when the socket is full.
asio::awaitable<bool> SendFile(HttpServer::Conn& conn, const HttpFileBody& file,
                               std::chrono::seconds timeout) {
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) co_return false;
  conn.socket.native_non_blocking(true);
  off_t offset = static_cast<off_t>(file.offset);
  uint64_t remaining = file.length;
  bool ok = true;
  while (remaining > 0) {
    ssize_t n = ::sendfile(conn.socket.native_handle(), fd, &offset, remaining);
    if (n > 0) {
      remaining -= static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR) && co_await conn.WaitWritable(timeout)) {
      continue;
    }
    ok = false;  // error, or the file shrank under us
    break;
  }
  ::close(fd);
  co_return ok;
}

// Sends `stream` as HTTP chunks, then the last chunk. False when a write failed. `sent` counts
// body bytes.
asio::awaitable<bool> WriteStream(HttpServer::Conn& conn, HttpResponseStream& stream,
                                  std::chrono::seconds timeout, uint64_t& sent) {
  std::string piece;
  for (;;) {
    piece.clear();
    if (!co_await stream.Next(piece)) break;
    if (piece.empty()) continue;  // a zero-size chunk would end the body
    char size_line[24];
    int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
    if (!co_await conn.Write(std::string_view(size_line, static_cast<size_t>(n)), piece, "\r\n",
                             timeout)) {
      co_return false;
    }
    sent += piece.size();
  }
  co_return co_await conn.Write("0\r\n\r\n", {}, timeout);
}

// Reads and discards until EOF, a pause in what the client sends, kLingerBytes or kLingerTime
// (whichever comes first).
asio::awaitable<void> Linger(HttpServer::Conn& conn) {
  constexpr uint64_t kLingerBytes = 64 << 20;
  constexpr auto kLingerTime = std::chrono::seconds(2);
  constexpr size_t kScratch = 64 * 1024;
  auto scratch = std::make_unique<char[]>(kScratch);
  const auto until = std::chrono::steady_clock::now() + kLingerTime;
  uint64_t discarded = 0;
  while (discarded < kLingerBytes && std::chrono::steady_clock::now() < until) {
    auto pause = HttpServer::Conn::Clock::now() + std::chrono::milliseconds(300);
    size_t n = co_await conn.ReadSome(scratch.get(), kScratch, pause);
    if (n == 0) break;
    discarded += n;
  }
}

// The raw stream of a connection after 101 (core/http_upgrade.h): what the client sent after
// its head first, then the socket, without a read deadline (the upgrade keeps its own).
class ConnStream : public UpgradedStream {
 public:
  ConnStream(HttpServer::Conn& conn, std::string leftover, std::chrono::seconds write_timeout)
      : conn_(conn), leftover_(std::move(leftover)), write_timeout_(write_timeout) {}
  asio::awaitable<size_t> ReadSome(char* dst, size_t max) override {
    if (closed_) co_return 0;
    if (!leftover_.empty()) {
      size_t n = std::min(max, leftover_.size());
      std::memcpy(dst, leftover_.data(), n);
      leftover_.erase(0, n);
      co_return n;
    }
    co_return co_await conn_.ReadSome(dst, max, HttpServer::Conn::Clock::time_point::max());
  }
  asio::awaitable<bool> Write(std::string_view bytes) override {
    if (closed_) co_return false;
    co_return co_await conn_.Write(bytes, {}, write_timeout_);
  }
  void Close() override {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    conn_.socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    conn_.socket.cancel(ignored);
  }

 private:
  HttpServer::Conn& conn_;
  std::string leftover_;
  std::chrono::seconds write_timeout_;
  bool closed_ = false;
};

// "HTTP/1.1 101 Switching Protocols" and the response's headers: no Content-Length or Date,
// which a 1xx must not carry.
std::string SwitchingProtocolsHead(const HttpResponse& response) {
  std::string head = "HTTP/1.1 101 Switching Protocols\r\n";
  for (const auto& [name, value] : response.headers.entries()) {
    head += name + ": " + value + "\r\n";
  }
  return head + "\r\n";
}

std::string PeerAddress(HttpServer::Conn& conn) {
  error_code ec;
  auto ep = conn.socket.remote_endpoint(ec);
  if (ec) return "-";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

asio::awaitable<void> HttpServer::Session(Loop& loop, std::unique_ptr<Conn> conn,
                                          std::shared_ptr<Acceptor> acceptor) {
  live_sessions_.fetch_add(1);
  loop.conns.push_front(conn.get());
  auto self = loop.conns.begin();
  const std::string peer = PeerAddress(*conn);
  error_code ec;
  const uint16_t local_port = conn->socket.local_endpoint(ec).port();
  std::string buf;
  HttpLimits head_limits = options_.limits;  // a streamed body may be larger than one held
  if (acceptor->handler_reads_body) {
    head_limits.max_body_bytes =
        std::max(head_limits.max_body_bytes, head_limits.max_streamed_body_bytes);
  }
  // One request object for the connection's lifetime: its strings and header vector keep
  // their capacity from one keep-alive request to the next (the parser assigns every field).
  HttpRequest request;
  bool unread_body = false;  // the last request's body was left unread
  request.remote_address = peer;
  request.local_port = local_port;
  using Clock = Conn::Clock;
  bool first_request = true;
  while (!stopping_.load(std::memory_order_relaxed)) {
    request.body.clear();
    request.body_sha256.clear();  // the last request's
    request.body_stream = nullptr;
    Result<RequestHead, HttpParseError> head = RequestHead{};
    // The head has head_timeout from its first byte (from the accept for the first request),
    // however slowly it trickles; a kept-alive connection may idle idle_timeout before it.
    auto head_deadline = Clock::time_point::max();
    if (first_request || !buf.empty()) head_deadline = Clock::now() + options_.head_timeout;
    first_request = false;
    for (;;) {
      head = ParseRequestHead(buf, head_limits, request);
      if (!head.ok() || head->head_bytes > 0) break;
      auto until = head_deadline != Clock::time_point::max() ? head_deadline
                                                             : Clock::now() + options_.idle_timeout;
      if (!co_await ReadMore(*conn, buf, until)) break;
      if (head_deadline == Clock::time_point::max()) {
        head_deadline = Clock::now() + options_.head_timeout;
      }
    }
    if (head.ok() && head->head_bytes == 0) {
      if (buf.empty() || Clock::now() < head_deadline) break;  // closed or idle
      // Begun but unfinished at its deadline: 408, as AWS's front ends answer.
      head = HttpParseError{408, kSlowRequestMessage};
    }
    if (!head.ok()) {
      HttpResponse err = HttpLevelError(head.error().status, head.error().message);
      std::string h = BuildResponseHead(err, err.body.size(), false);
      co_await conn->Write(h, err.body, options_.idle_timeout);
      if (observer_ && acceptor->observed) observer_(request, err, err.body.size(), {});
      unread_body = true;
      break;
    }
    buf.erase(0, head->head_bytes);
    conn->busy = true;
    BodyPace pace{options_.idle_timeout, 0, options_.body_grace};
    if (acceptor->handler_reads_body) pace.min_rate = options_.body_min_rate;  // the main port
    RequestBody body(*conn, *head, buf, options_.limits, pace);
    bool body_ok = true;
    if ((acceptor->handler_reads_body ||
         (acceptor->handler_reads_chunked && head->framing == BodyFraming::kChunked)) &&
        body.present()) {
      request.body_stream = &body;
    } else {
      body_ok = co_await body.ReadAll(request.body);
    }

    auto started = std::chrono::steady_clock::now();
    HttpResponse response;
    if (body_ok) {
      try {
        response = co_await acceptor->handler(request);
      } catch (const std::exception& e) {
        response = HttpLevelError(500, std::string("internal error: ") + e.what());
      }
    }
    request.body_stream = nullptr;
    if (body.failed()) {  // the handler's response (if any) is moot: answer the body's error
      if (body.error()) {
        std::string h = BuildResponseHead(*body.error(), body.error()->body.size(), false);
        co_await conn->Write(h, body.error()->body, options_.idle_timeout);
      }
      unread_body = true;
      break;
    }
    if (body.done_at()) started = std::max(started, *body.done_at());
    // A handler that answered without reading the body (a refused request) closes the
    // connection instead of draining it: the body is never read into anything.
    bool reusable = body.complete() || (!response.close && co_await body.Finish(kMaxDrain));
    if (!body.complete()) unread_body = true;
    bool keep_alive = reusable && head->keep_alive && !response.close && !stopping_.load();
    if (response.status == 101 && response.upgrade && body.complete()) {
      std::string h = SwitchingProtocolsHead(response);
      bool ok = co_await conn->Write(h, {}, options_.idle_timeout);
      // Not busy: a stopping server closes the connection rather than waiting for its end.
      conn->busy = false;
      if (observer_ && acceptor->observed) observer_(request, response, 0, {});
      if (ok && !stopping_.load()) {
        ConnStream stream(*conn, std::move(buf), options_.idle_timeout);
        buf.clear();
        auto upgrade = std::move(response.upgrade);
        try {
          co_await upgrade->Run(stream);
        } catch (const std::exception&) {
          // Run must not throw; the connection closes all the same.
        }
        stream.Close();
      }
      break;
    }
    bool is_head = request.method == "HEAD";
    uint64_t length = response.file.path.empty() ? response.body.size() : response.file.length;
    if (response.stream) response.headers.Set("Transfer-Encoding", "chunked");
    std::string h = BuildResponseHead(response, length, keep_alive);
    bool ok;
    if (response.stream && !is_head) {
      length = 0;
      ok = co_await conn->Write(h, {}, options_.idle_timeout) &&
           co_await WriteStream(*conn, *response.stream, options_.idle_timeout, length);
      response.stream.reset();  // the producer learns the client is gone or done
    } else if (is_head) {
      ok = co_await conn->Write(h, {}, options_.idle_timeout);
    } else if (!response.file.path.empty()) {
      ok = co_await conn->Write(h, {}, options_.idle_timeout) &&
           co_await SendFile(*conn, response.file, options_.idle_timeout);
    } else if (acceptor->holds_pipelined && keep_alive && !buf.empty() &&
               response.body.size() <= kMaxHeldBody) {
      conn->held += h;  // the next request is here already: answer both in one write
      conn->held += response.body;
      ok = true;
    } else {
      ok = co_await conn->Write(h, response.body, options_.idle_timeout);
    }
    conn->busy = false;
    if (observer_ && acceptor->observed) {
      observer_(request, response, is_head ? 0 : length,
                std::chrono::steady_clock::now() - started);
    }
    if (!ok || !keep_alive) break;
  }
  if (!conn->held.empty()) co_await conn->Write({}, {}, options_.idle_timeout);
  error_code ignored;
  conn->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  // Closing with unread bytes queued makes the kernel reset the connection, which can destroy
  // the response before the client reads it: discard what the client still sends for a
  // moment (lingering close), in a fixed buffer.
  if (unread_body) co_await Linger(*conn);
  conn->socket.close(ignored);
  loop.conns.erase(self);
  if (acceptor == loop.acceptors.front()) loop.main_conns.fetch_sub(1, std::memory_order_relaxed);
  live_sessions_.fetch_sub(1);
}

}  // namespace nimbus
