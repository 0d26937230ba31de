#include "protocol/websocket.h"

#include <gtest/gtest.h>

namespace nimbus::ws {
namespace {

TEST(WebSocket, AcceptKeyIsRfc6455Example) {
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

HttpRequest Handshake() {
  HttpRequest r;
  r.method = "GET";
  r.headers.Add("Upgrade", "websocket");
  r.headers.Add("Connection", "keep-alive, Upgrade");
  r.headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  r.headers.Add("Sec-WebSocket-Version", "13");
  return r;
}

TEST(WebSocket, AcceptsAHandshakeAndRefusesBrokenOnes) {
  auto ok = AcceptHandshake(Handshake());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 101);
  EXPECT_EQ(ok->headers.Get("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  auto post = Handshake();
  post.method = "POST";
  EXPECT_FALSE(AcceptHandshake(post).ok());
  auto no_upgrade = Handshake();
  no_upgrade.headers.Remove("Upgrade");
  EXPECT_FALSE(AcceptHandshake(no_upgrade).ok());
  auto short_key = Handshake();
  short_key.headers.Set("Sec-WebSocket-Key", "c2hvcnQ=");
  EXPECT_FALSE(AcceptHandshake(short_key).ok());
  auto old = Handshake();
  old.headers.Set("Sec-WebSocket-Version", "8");
  EXPECT_FALSE(AcceptHandshake(old).ok());
}

TEST(WebSocket, FramesRoundTripMaskedAndNotAtEveryLengthForm) {
  for (size_t n : {0u, 5u, 125u, 126u, 65535u, 65536u, 100000u}) {
    std::string payload(n, 'x');
    for (size_t i = 0; i < n; ++i) payload[i] = static_cast<char>(i * 7);
    for (bool masked : {false, true}) {
      std::string buf = EncodeFrame(Opcode::kBinary, payload,
                                    masked ? std::optional<uint32_t>(0xA1B2C3D4) : std::nullopt);
      buf += "next";
      auto f = ParseFrame(buf, masked, 1 << 20);
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE(f->has_value());
      EXPECT_EQ((*f)->payload, payload);
      EXPECT_EQ((*f)->opcode, Opcode::kBinary);
      EXPECT_TRUE((*f)->fin);
      EXPECT_EQ(buf, "next");  // the frame alone was taken
    }
  }
}

TEST(WebSocket, IncompleteFramesWaitForMore) {
  std::string whole = EncodeFrame(Opcode::kText, "hello", 0x01020304u);
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    std::string part = whole.substr(0, cut);
    auto f = ParseFrame(part, true, 1024);
    ASSERT_TRUE(f.ok());
    EXPECT_FALSE(f->has_value());
    EXPECT_EQ(part.size(), cut);
  }
}

TEST(WebSocket, ProtocolViolationsAreErrors) {
  std::string unmasked = EncodeFrame(Opcode::kText, "x");
  EXPECT_FALSE(ParseFrame(unmasked, true, 1024).ok());  // clients must mask
  std::string masked = EncodeFrame(Opcode::kText, "x", 1u);
  EXPECT_FALSE(ParseFrame(masked, false, 1024).ok());  // servers must not
  std::string big_ping = EncodeFrame(Opcode::kPing, std::string(126, 'p'), 1u);
  EXPECT_FALSE(ParseFrame(big_ping, true, 1024).ok());
  std::string too_big = EncodeFrame(Opcode::kBinary, std::string(2000, 'b'), 1u);
  EXPECT_FALSE(ParseFrame(too_big, true, 1024).ok());
  std::string reserved = EncodeFrame(Opcode::kText, "x", 1u);
  reserved[0] = static_cast<char>(reserved[0] | 0x40);
  EXPECT_FALSE(ParseFrame(reserved, true, 1024).ok());
  std::string unknown = EncodeFrame(Opcode::kText, "x", 1u);
  unknown[0] = static_cast<char>(0x83);
  EXPECT_FALSE(ParseFrame(unknown, true, 1024).ok());
}

}  // namespace
}  // namespace nimbus::ws
