#include "protocol/ssm_message.h"

#include <openssl/sha.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/ids.h"

namespace nimbus::ssm {
namespace {

constexpr size_t kTypeField = 32;
constexpr size_t kPayloadAt = kHeaderLength + 4;

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
uint64_t GetBE(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 16 bytes of a UUID's text, or zeros when it is not one.
std::array<uint8_t, 16> UuidBytes(std::string_view text) {
  std::array<uint8_t, 16> out{};
  std::string hex;
  for (char c : text) {
    if (c != '-') hex.push_back(c);
  }
  if (hex.size() != 32) return out;
  for (size_t i = 0; i < 16; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::array<uint8_t, 16>{};
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string UuidText(const uint8_t* b) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

std::string Sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

// The first 32 characters of the digest's lower-case hex: what some JavaScript clients
// (npm ssm-session) send instead of the digest's 32 bytes.
std::string HexPrefix(std::string_view digest) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    out.push_back(kHex[static_cast<uint8_t>(digest[i]) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(digest[i]) & 15]);
  }
  return out;
}

}  // namespace

std::string Encode(const Message& m) {
  std::string out;
  out.reserve(kPayloadAt + m.payload.size());
  PutU32(out, kHeaderLength);
  std::string type = m.message_type.substr(0, kTypeField);
  type.resize(kTypeField, ' ');
  out += type;
  PutU32(out, m.schema_version);
  PutU64(out, m.created_ms);
  PutU64(out, static_cast<uint64_t>(m.sequence_number));
  PutU64(out, m.flags);
  auto id = UuidBytes(m.message_id);  // least significant half first, as the plugin writes it
  out.append(reinterpret_cast<const char*>(id.data()) + 8, 8);
  out.append(reinterpret_cast<const char*>(id.data()), 8);
  out += Sha256(m.payload);
  PutU32(out, static_cast<uint32_t>(m.payload_type));
  PutU32(out, static_cast<uint32_t>(m.payload.size()));
  out += m.payload;
  return out;
}

Result<Message> Decode(std::string_view b) {
  if (b.size() < kPayloadAt) return Status::InvalidArgument("message shorter than its header");
  uint32_t header_length = static_cast<uint32_t>(GetBE(b, 0, 4));
  if (header_length != kHeaderLength) return Status::InvalidArgument("bad header length");
  Message m;
  std::string_view type = b.substr(4, kTypeField);
  // Padded with spaces after the name (the plugin) or NULs before it (older clients).
  while (!type.empty() && (type.back() == ' ' || type.back() == '\0')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\0')) type.remove_prefix(1);
  m.message_type = std::string(type);
  m.schema_version = static_cast<uint32_t>(GetBE(b, 36, 4));
  m.created_ms = GetBE(b, 40, 8);
  m.sequence_number = static_cast<int64_t>(GetBE(b, 48, 8));
  m.flags = GetBE(b, 56, 8);
  uint8_t id[16];
  std::memcpy(id, b.data() + 72, 8);
  std::memcpy(id + 8, b.data() + 64, 8);
  m.message_id = UuidText(id);
  std::string_view digest = b.substr(80, 32);
  m.payload_type = static_cast<PayloadType>(GetBE(b, 112, 4));
  uint64_t length = GetBE(b, kHeaderLength, 4);
  if (length != b.size() - kPayloadAt) return Status::InvalidArgument("bad payload length");
  m.payload = std::string(b.substr(kPayloadAt));
  std::string expected = Sha256(m.payload);
  m.digest_ok = digest == expected || digest == HexPrefix(expected);
  return m;
}

Message StreamData(std::string_view message_type, int64_t sequence, PayloadType payload_type,
                   std::string payload, uint64_t now_ms) {
  Message m;
  m.message_type = std::string(message_type);
  m.created_ms = now_ms;
  m.sequence_number = sequence;
  m.message_id = NewUuid();
  m.payload_type = payload_type;
  m.payload = std::move(payload);
  return m;
}

Message AcknowledgeFor(const Message& acked, uint64_t now_ms) {
  nlohmann::json body = {{"AcknowledgedMessageType", acked.message_type},
                         {"AcknowledgedMessageId", acked.message_id},
                         {"AcknowledgedMessageSequenceNumber", acked.sequence_number},
                         {"IsSequentialMessage", true}};
  Message ack;
  ack.message_type = std::string(kAcknowledge);
  ack.created_ms = now_ms;
  ack.sequence_number = 0;
  ack.flags = kFlagSyn | kFlagFin;
  ack.message_id = NewUuid();
  ack.payload = body.dump();
  return ack;
}

Result<int64_t> AcknowledgedSequence(const Message& ack) {
  auto body = nlohmann::json::parse(ack.payload, nullptr, false);
  if (!body.is_object() || !body.contains("AcknowledgedMessageSequenceNumber") ||
      !body["AcknowledgedMessageSequenceNumber"].is_number_integer()) {
    return Status::InvalidArgument("acknowledge without a sequence number");
  }
  return body["AcknowledgedMessageSequenceNumber"].get<int64_t>();
}

std::vector<Message> InOrder::Take(Message m) {
  std::vector<Message> ready;
  if (m.sequence_number < next_) return ready;  // a resend of what was taken
  if (m.sequence_number > next_) {
    if (early_.size() < max_early_) early_.emplace(m.sequence_number, std::move(m));
    return ready;
  }
  ready.push_back(std::move(m));
  ++next_;
  for (auto it = early_.find(next_); it != early_.end(); it = early_.find(next_)) {
    ready.push_back(std::move(it->second));
    early_.erase(it);
    ++next_;
  }
  return ready;
}

}  // namespace nimbus::ssm
