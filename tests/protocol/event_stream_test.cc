#include "protocol/event_stream.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus::event_stream {
namespace {

using namespace std::string_literals;

// Vectors from botocore's event-stream decoder tests (tests/unit/test_eventstream.py).
const std::string kEmpty = "\x00\x00\x00\x10\x00\x00\x00\x00\x05\xc2H\xeb}\x98\xc8\xff"s;
const std::string kPayloadNoHeaders =
    "\x00\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'}\xc3"
    "e96"s;
const std::string kOneStringHeader =
    "\x00\x00\x00=\x00\x00\x00 \x07\xfd\x83\x96\x0c"
    "content-type\x07\x00\x10"
    "application/json{'foo':'bar'}\x8d\x9c\x08\xb1"s;
const std::string kAllHeaderTypes =
    "\x00\x00\x00\x62\x00\x00\x00\x52\x03\xb5\xcb\x9c"
    "\x01"
    "0\x00\x01"
    "1\x01\x01"
    "2\x02\x02\x01"
    "3\x03\x00\x03"
    "\x01"
    "4\x04\x00\x00\x00\x04\x01"
    "5\x05\x00\x00\x00\x00\x00\x00\x00\x05"
    "\x01"
    "6\x06\x00\x05"
    "bytes\x01"
    "7\x07\x00\x04"
    "utf8"
    "\x01"
    "8\x08\x00\x00\x00\x00\x00\x00\x00\x08\x01"
    "9\x09"
    "0123456789abcdef"
    "\x63\x35\x36\x71"s;
// :message-type, :event-type, :content-type string headers and a JSON payload.
const std::string kInitialResponse =
    "\x00\x00\x00~\x00\x00\x00O\xc5\xa3\xdd\xc6\r:message-type\x07\x00"
    "\x05"
    "event\x0b:event-type\x07\x00\x10initial-response\r:content-type"
    "\x07\x00\ttext/json{\"InitialResponse\": \"sometext\"}\xf6\x98$\x83"s;

TEST(EventStreamTest, Crc32MatchesZlib) {
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32("6789", Crc32("12345")), 0xCBF43926u);
}

TEST(EventStreamTest, EncodesBotocoreVectorsByteForByte) {
  std::string out;
  EncodeMessage({}, "", out);
  EXPECT_EQ(out, kEmpty);
  out.clear();
  EncodeMessage({}, "{'foo':'bar'}", out);
  EXPECT_EQ(out, kPayloadNoHeaders);
  out.clear();
  EncodeMessage({{"content-type", "application/json"}}, "{'foo':'bar'}", out);
  EXPECT_EQ(out, kOneStringHeader);
  out.clear();
  EncodeMessage({{":message-type", "event"},
                 {":event-type", "initial-response"},
                 {":content-type", "text/json"}},
                "{\"InitialResponse\": \"sometext\"}", out);
  EXPECT_EQ(out, kInitialResponse);
}

TEST(EventStreamTest, EncodeAppendsAndRoundTrips) {
  std::string out = "prefix";
  std::string payload(70000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  EncodeEvent("PayloadChunk", "application/octet-stream", payload, out);
  EncodeEvent("InvokeComplete", "application/json", "{}", out);
  ASSERT_EQ(out.substr(0, 6), "prefix");
  auto first = DecodeMessage(std::string_view(out).substr(6));
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_TRUE(first->has_value());
  const auto& [message, used] = **first;
  EXPECT_EQ(message.payload, payload);
  EXPECT_EQ(message.StringHeader(":event-type"), "PayloadChunk");
  EXPECT_EQ(message.StringHeader(":content-type"), "application/octet-stream");
  EXPECT_EQ(message.StringHeader(":message-type"), "event");
  EXPECT_FALSE(message.StringHeader(":missing").has_value());
  auto second = DecodeMessage(std::string_view(out).substr(6 + used));
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->first.payload, "{}");
  EXPECT_EQ((*second)->first.StringHeader(":event-type"), "InvokeComplete");
  EXPECT_EQ(6 + used + (*second)->second, out.size());
}

TEST(EventStreamTest, DecodesEveryHeaderType) {
  auto r = DecodeMessage(kAllHeaderTypes);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->has_value());
  const Message& m = (*r)->first;
  ASSERT_EQ(m.headers.size(), 10u);
  EXPECT_EQ(m.headers[0].second.number, 1);
  EXPECT_EQ(m.headers[1].second.number, 0);
  EXPECT_EQ(m.headers[2].second.number, 2);
  EXPECT_EQ(m.headers[3].second.number, 3);
  EXPECT_EQ(m.headers[4].second.number, 4);
  EXPECT_EQ(m.headers[5].second.number, 5);
  EXPECT_EQ(m.headers[6].second.bytes, "bytes");
  EXPECT_EQ(m.StringHeader("7"), "utf8");
  EXPECT_EQ(m.headers[8].second.number, 8);
  EXPECT_EQ(m.headers[9].second.bytes, "0123456789abcdef");
  EXPECT_TRUE(m.payload.empty());
}

TEST(EventStreamTest, SignExtendsIntegers) {
  // botocore's INT8_HEADER: header "byte" = -1.
  const std::string int8 =
      "\x00\x00\x00\x17\x00\x00\x00\x07)\x86\x01X\x04"
      "byte\x02\xff\xc2\xf8i\xdc"s;
  auto r = DecodeMessage(int8);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->first.headers[0].second.number, -1);
}

TEST(EventStreamTest, PartialMessagesAskForMore) {
  for (size_t n = 0; n < kOneStringHeader.size(); ++n) {
    auto r = DecodeMessage(std::string_view(kOneStringHeader).substr(0, n));
    ASSERT_TRUE(r.ok()) << n;
    EXPECT_FALSE(r->has_value()) << n;
  }
}

TEST(EventStreamTest, RejectsCorruptInput) {
  std::string bad_payload = kPayloadNoHeaders;
  bad_payload[20] ^= 1;
  EXPECT_FALSE(DecodeMessage(bad_payload).ok());
  std::string bad_length = kPayloadNoHeaders;
  bad_length[0] = 1;  // prelude CRC no longer matches
  EXPECT_FALSE(DecodeMessage(bad_length).ok());
  std::string bad_header = kOneStringHeader;
  bad_header[20] = '+';  // "content+type": message CRC mismatch
  EXPECT_FALSE(DecodeMessage(bad_header).ok());
  // botocore's DUPLICATE_HEADER (CRCs valid, header "test" twice).
  const std::string duplicate =
      "\x00\x00\x00\x24\x00\x00\x00\x14\x4b\xb9\x82\xd0\x04test\x04"
      "asdf\x04test\x04"
      "asdf\xf3\xf4\x75\x63"s;
  auto dup = DecodeMessage(duplicate);
  EXPECT_FALSE(dup.ok());
}

TEST(EventStreamTest, RejectsLengthsThatDoNotAddUp) {
  // A prelude with a valid CRC whose lengths are impossible.
  auto prelude = [](uint32_t total, uint32_t headers) {
    std::string p;
    for (uint32_t v : {total, headers}) {
      for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<char>(v >> shift));
    }
    uint32_t crc = Crc32(p);
    for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<char>(crc >> shift));
    return p;
  };
  EXPECT_FALSE(DecodeMessage(prelude(8, 0)).ok());
  EXPECT_FALSE(DecodeMessage(prelude(32, 17)).ok());
  EXPECT_FALSE(DecodeMessage(prelude(kMaxMessageBytes + 1, 0)).ok());
  // Headers running past their section, with valid CRCs.
  std::string m = prelude(21, 5);
  m += "\x07:ab";  // name length 7 but only 3 name bytes + 1 more byte left in the section
  m.push_back('\x07');
  uint32_t crc = Crc32(m);
  for (int shift = 24; shift >= 0; shift -= 8) m.push_back(static_cast<char>(crc >> shift));
  ASSERT_EQ(m.size(), 21u);
  EXPECT_FALSE(DecodeMessage(m).ok());
}

TEST(EventStreamTest, CutsOversizedHeaderNamesAndValues) {
  std::string out;
  std::string long_value(70000, 'v');
  EncodeMessage({{std::string(300, 'n'), long_value}}, "p", out);
  auto r = DecodeMessage(out);
  ASSERT_TRUE(r.ok() && r->has_value()) << (r.ok() ? "" : r.error().message());
  EXPECT_EQ((*r)->first.headers[0].first.size(), 255u);
  EXPECT_EQ((*r)->first.headers[0].second.bytes.size(), 65535u);
}

}  // namespace
}  // namespace nimbus::event_stream
