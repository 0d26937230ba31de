#include "protocol/websocket.h"

#include <openssl/sha.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstring>

#include "protocol/wire.h"

namespace nimbus::ws {
namespace {

constexpr char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool HeaderHasToken(const HttpHeaders& headers, std::string_view name, std::string_view token) {
  for (const auto& [n, v] : headers.entries()) {
    if (!EqualsIgnoreCase(n, name)) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (EqualsIgnoreCase(item, token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool IsControl(Opcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

bool KnownOpcode(uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

}  // namespace

std::string AcceptKey(std::string_view key) {
  std::string text(key);
  text += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return wire::Base64Encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

Result<HttpResponse> AcceptHandshake(const HttpRequest& request) {
  if (request.method != "GET") return Status::InvalidArgument("a WebSocket handshake is a GET");
  if (!HeaderHasToken(request.headers, "Upgrade", "websocket") ||
      !HeaderHasToken(request.headers, "Connection", "upgrade")) {
    return Status::InvalidArgument("expected Upgrade: websocket and Connection: Upgrade");
  }
  std::string_view key = request.headers.Get("Sec-WebSocket-Key");
  auto decoded = wire::Base64Decode(key);
  if (!decoded || decoded->size() != 16) {
    return Status::InvalidArgument("Sec-WebSocket-Key must be 16 bytes in base64");
  }
  if (request.headers.Get("Sec-WebSocket-Version") != "13") {
    return Status::InvalidArgument("Sec-WebSocket-Version must be 13");
  }
  HttpResponse response;
  response.status = 101;
  response.headers.Add("Upgrade", "websocket");
  response.headers.Add("Connection", "Upgrade");
  response.headers.Add("Sec-WebSocket-Accept", AcceptKey(key));
  return response;
}

std::string EncodeFrame(Opcode opcode, std::string_view payload, std::optional<uint32_t> mask,
                        bool fin) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | static_cast<uint8_t>(opcode)));
  uint8_t mask_bit = mask ? 0x80 : 0;
  uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  if (!mask) return out.append(payload);
  char key[4] = {static_cast<char>(*mask >> 24), static_cast<char>(*mask >> 16),
                 static_cast<char>(*mask >> 8), static_cast<char>(*mask)};
  out.append(key, 4);
  size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < payload.size(); ++i) out[start + i] ^= key[i % 4];
  return out;
}

Result<std::optional<Frame>> ParseFrame(std::string& buffer, bool expect_masked,
                                        uint64_t max_payload) {
  if (buffer.size() < 2) return std::optional<Frame>();
  auto byte = [&](size_t i) { return static_cast<uint8_t>(buffer[i]); };
  uint8_t b0 = byte(0), b1 = byte(1);
  if (b0 & 0x70) return Status::InvalidArgument("reserved bits set without an extension");
  if (!KnownOpcode(b0 & 0x0F)) return Status::InvalidArgument("unknown opcode");
  Frame frame;
  frame.fin = (b0 & 0x80) != 0;
  frame.opcode = static_cast<Opcode>(b0 & 0x0F);
  bool masked = (b1 & 0x80) != 0;
  if (masked != expect_masked) {
    return Status::InvalidArgument(expect_masked ? "client frames must be masked"
                                                 : "server frames must not be masked");
  }
  uint64_t n = b1 & 0x7F;
  size_t at = 2;
  if (n == 126) {
    if (buffer.size() < 4) return std::optional<Frame>();
    n = (uint64_t{byte(2)} << 8) | byte(3);
    at = 4;
  } else if (n == 127) {
    if (buffer.size() < 10) return std::optional<Frame>();
    n = 0;
    for (size_t i = 2; i < 10; ++i) n = (n << 8) | byte(i);
    at = 10;
  }
  if (IsControl(frame.opcode) && (n > 125 || !frame.fin)) {
    return Status::InvalidArgument("control frames carry at most 125 bytes, unfragmented");
  }
  if (n > max_payload) return Status::InvalidArgument("frame payload over the limit");
  char key[4] = {0, 0, 0, 0};
  if (masked) {
    if (buffer.size() < at + 4) return std::optional<Frame>();
    std::memcpy(key, buffer.data() + at, 4);
    at += 4;
  }
  if (buffer.size() - at < n) return std::optional<Frame>();
  frame.payload.assign(buffer, at, n);
  if (masked) {
    for (size_t i = 0; i < frame.payload.size(); ++i) frame.payload[i] ^= key[i % 4];
  }
  buffer.erase(0, at + n);
  return std::optional<Frame>(std::move(frame));
}

boost::asio::awaitable<std::optional<Message>> Connection::Receive() {
  std::optional<Message> partial;
  char chunk[16 * 1024];
  while (!closed_) {
    auto parsed = ParseFrame(in_, true, max_message_);
    if (!parsed.ok()) {
      co_await Close(1002);
      break;
    }
    if (!*parsed) {
      size_t n = co_await stream_.ReadSome(chunk, sizeof chunk);
      if (n == 0) {
        closed_ = true;
        stream_.Close();
        break;
      }
      in_.append(chunk, n);
      continue;
    }
    Frame& f = **parsed;
    switch (f.opcode) {
      case Opcode::kPing:
        co_await WriteFrame(EncodeFrame(Opcode::kPong, f.payload));
        continue;
      case Opcode::kPong:
        continue;
      case Opcode::kClose:
        co_await Close(1000);
        co_return std::nullopt;
      case Opcode::kContinuation:
        if (!partial || partial->data.size() + f.payload.size() > max_message_) {
          co_await Close(1002);
          co_return std::nullopt;
        }
        partial->data += f.payload;
        break;
      default:
        if (partial) {  // a new message inside a fragmented one
          co_await Close(1002);
          co_return std::nullopt;
        }
        partial = Message{f.opcode, std::move(f.payload)};
        break;
    }
    if (f.fin) co_return std::move(partial);
  }
  co_return std::nullopt;
}

boost::asio::awaitable<bool> Connection::Send(Opcode opcode, std::string_view data) {
  if (closed_ || close_sent_) co_return false;
  co_return co_await WriteFrame(EncodeFrame(opcode, data));
}

boost::asio::awaitable<bool> Connection::WriteFrame(std::string frame) {
  if (closed_) co_return false;
  out_.push_back(std::move(frame));
  if (writing_) co_return true;  // the write in progress sends it
  writing_ = true;
  bool ok = true;
  while (!out_.empty()) {
    std::string next = std::move(out_.front());
    out_.pop_front();
    ok = co_await stream_.Write(next);
    if (!ok) {
      out_.clear();
      closed_ = true;
      stream_.Close();
      break;
    }
  }
  writing_ = false;
  co_return ok;
}

boost::asio::awaitable<void> Connection::Close(uint16_t code, std::string_view reason) {
  if (!close_sent_ && !closed_) {
    close_sent_ = true;
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason.substr(0, 123));
    co_await WriteFrame(EncodeFrame(Opcode::kClose, payload));
    // Queued behind a write in progress: let the writer send it (and what precedes it).
    boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor);
    for (int i = 0; i < 5000 && writing_ && !closed_; ++i) {
      wait.expires_after(std::chrono::milliseconds(1));
      boost::system::error_code ec;
      co_await wait.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
  }
  closed_ = true;
  stream_.Close();
}

}  // namespace nimbus::ws
