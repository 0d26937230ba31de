#include "protocol/ssm_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nimbus::ssm {
namespace {

Message Sample() {
  Message m;
  m.message_type = std::string(kOutputStreamData);
  m.created_ms = 1700000000123;
  m.sequence_number = 42;
  m.flags = kFlagSyn;
  m.message_id = "0123abcd-4567-89ef-0123-456789abcdef";
  m.payload_type = PayloadType::kOutput;
  m.payload = "hello\r\n";
  return m;
}

TEST(SsmMessage, LayoutIsThePluginsByteForByte) {
  std::string b = Encode(Sample());
  ASSERT_EQ(b.size(), 120u + 7u);
  EXPECT_EQ(b.substr(0, 4), std::string("\0\0\0\x74", 4));  // header length 116
  EXPECT_EQ(b.substr(4, 32), "output_stream_data" + std::string(14, ' '));
  EXPECT_EQ(b.substr(36, 4), std::string("\0\0\0\x01", 4));          // schema version
  EXPECT_EQ(b.substr(48, 8), std::string("\0\0\0\0\0\0\0\x2a", 8));  // sequence number
  // The message id's halves swapped (least significant first).
  EXPECT_EQ(b.substr(64, 8), std::string("\x01\x23\x45\x67\x89\xab\xcd\xef", 8));
  EXPECT_EQ(b.substr(72, 8), std::string("\x01\x23\xab\xcd\x45\x67\x89\xef", 8));
  EXPECT_EQ(b.substr(112, 4), std::string("\0\0\0\x01", 4));  // payload type
  EXPECT_EQ(b.substr(116, 4), std::string("\0\0\0\x07", 4));  // payload length
  EXPECT_EQ(b.substr(120), "hello\r\n");
}

TEST(SsmMessage, RoundTrips) {
  auto m = Decode(Encode(Sample()));
  ASSERT_TRUE(m.ok());
  Message want = Sample();
  EXPECT_EQ(m->message_type, want.message_type);
  EXPECT_EQ(m->created_ms, want.created_ms);
  EXPECT_EQ(m->sequence_number, want.sequence_number);
  EXPECT_EQ(m->flags, want.flags);
  EXPECT_EQ(m->message_id, want.message_id);
  EXPECT_EQ(m->payload_type, want.payload_type);
  EXPECT_EQ(m->payload, want.payload);
}

TEST(SsmMessage, RefusesBadLengthsAndFlagsBadDigests) {
  std::string b = Encode(Sample());
  EXPECT_TRUE(Decode(b)->digest_ok);
  std::string tampered = b;
  tampered.back() = 'X';
  auto m = Decode(tampered);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->digest_ok);
  EXPECT_FALSE(Decode(b.substr(0, 100)).ok());
  EXPECT_FALSE(Decode(b + "extra").ok());
  std::string header = b;
  header[3] = 0x70;
  EXPECT_FALSE(Decode(header).ok());
}

TEST(SsmMessage, AcceptsNpmSsmSessionsHexDigestAndNulPadding) {
  std::string b = Encode(Sample());
  // ssm-session: the type right-aligned after NULs, the digest as 32 hex characters.
  std::string type = std::string(14, '\0') + "output_stream_data";
  b.replace(4, 32, type);
  auto full = Decode(Encode(Sample()));
  ASSERT_TRUE(full.ok());
  std::string raw = Encode(Sample()).substr(80, 32);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < 16; ++i) {
    hex.push_back(kHex[static_cast<uint8_t>(raw[i]) >> 4]);
    hex.push_back(kHex[static_cast<uint8_t>(raw[i]) & 15]);
  }
  b.replace(80, 32, hex);
  auto m = Decode(b);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->message_type, "output_stream_data");
  EXPECT_TRUE(m->digest_ok);
}

TEST(SsmMessage, AcknowledgeNamesTheMessage) {
  Message ack = AcknowledgeFor(Sample(), 5);
  EXPECT_EQ(ack.message_type, "acknowledge");
  EXPECT_EQ(ack.flags, 3u);
  EXPECT_EQ(ack.sequence_number, 0);
  auto body = nlohmann::json::parse(ack.payload);
  EXPECT_EQ(body["AcknowledgedMessageType"], "output_stream_data");
  EXPECT_EQ(body["AcknowledgedMessageId"], Sample().message_id);
  EXPECT_EQ(body["AcknowledgedMessageSequenceNumber"], 42);
  EXPECT_EQ(body["IsSequentialMessage"], true);
  auto seq = AcknowledgedSequence(ack);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 42);
  Message junk;
  junk.payload = "{}";
  EXPECT_FALSE(AcknowledgedSequence(junk).ok());
}

Message Numbered(int64_t seq) {
  Message m;
  m.sequence_number = seq;
  m.payload = std::to_string(seq);
  return m;
}

std::vector<int64_t> Numbers(const std::vector<Message>& ms) {
  std::vector<int64_t> out;
  for (const Message& m : ms) out.push_back(m.sequence_number);
  return out;
}

TEST(SsmInOrder, HandsMessagesOutInSequenceDroppingResends) {
  InOrder in(2);
  EXPECT_EQ(Numbers(in.Take(Numbered(0))), std::vector<int64_t>{0});
  EXPECT_TRUE(in.Take(Numbered(0)).empty());  // a resend
  EXPECT_TRUE(in.Take(Numbered(2)).empty());  // early: kept
  EXPECT_TRUE(in.Take(Numbered(3)).empty());
  EXPECT_TRUE(in.Take(Numbered(4)).empty());  // past max_early: dropped (resent later)
  EXPECT_EQ(Numbers(in.Take(Numbered(1))), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(in.next(), 4);
  EXPECT_EQ(Numbers(in.Take(Numbered(4))), std::vector<int64_t>{4});
}

}  // namespace
}  // namespace nimbus::ssm
