// RFC 6455 WebSocket: the opening handshake (both sides), frame encoding and parsing, and a
// message-level connection over an upgraded HTTP stream (core/http_upgrade.h) that answers
// pings, completes the closing handshake and serializes writes. No extensions, no compression.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/http.h"
#include "core/http_upgrade.h"
#include "core/status.h"

namespace nimbus::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455's GUID)). Pure.
std::string AcceptKey(std::string_view key);

// The server's answer to an opening handshake: 101 with Upgrade, Connection and
// Sec-WebSocket-Accept (the caller sets HttpResponse::upgrade), or InvalidArgument naming what
// is wrong (not a GET, no "Upgrade: websocket", no key, a version other than 13).
Result<HttpResponse> AcceptHandshake(const HttpRequest& request);

// One frame as it arrives (unmasked payload).
struct Frame {
  bool fin = true;
  Opcode opcode = Opcode::kBinary;
  std::string payload;
};

// A frame of `payload`; masked with `mask` (4 bytes) when given: a client must mask, a server
// must not. Pure.
std::string EncodeFrame(Opcode opcode, std::string_view payload,
                        std::optional<uint32_t> mask = std::nullopt, bool fin = true);

// Takes one complete frame off the front of `buffer`: nullopt while it is incomplete;
// InvalidArgument for a protocol violation (reserved bits, unknown opcode, a control frame over
// 125 bytes or fragmented, a payload over `max_payload`, masking other than `expect_masked`).
Result<std::optional<Frame>> ParseFrame(std::string& buffer, bool expect_masked,
                                        uint64_t max_payload);

// A whole message (fragments joined).
struct Message {
  Opcode opcode = Opcode::kBinary;  // kText or kBinary
  std::string data;
};

// A server-side WebSocket over an upgraded connection. Lives on the connection's event loop:
// one Receive at a time; Send may be called from several coroutines of that loop (queued).
class Connection {
 public:
  // `stream` must outlive the connection.
  Connection(UpgradedStream& stream, uint64_t max_message = 1 << 20)
      : stream_(stream), max_message_(max_message) {}

  // The next data message; answers pings and a close frame on the way. nullopt once the peer
  // closed, the stream failed or broke the protocol (the connection is then closed).
  boost::asio::awaitable<std::optional<Message>> Receive();
  // Sends one message. False once the connection is closed or the write failed.
  boost::asio::awaitable<bool> Send(Opcode opcode, std::string_view data);
  // Sends a close frame with `code` (1000 normal) unless one went out, then closes the stream.
  boost::asio::awaitable<void> Close(uint16_t code = 1000, std::string_view reason = {});
  bool closed() const { return closed_; }

 private:
  boost::asio::awaitable<bool> WriteFrame(std::string frame);

  UpgradedStream& stream_;
  uint64_t max_message_;
  std::string in_;
  std::deque<std::string> out_;  // frames waiting while another write is in progress
  bool writing_ = false;
  bool close_sent_ = false;
  bool closed_ = false;
};

}  // namespace nimbus::ws
