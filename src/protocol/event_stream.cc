#include "protocol/event_stream.h"

#include <array>

namespace nimbus::event_stream {

namespace {

constexpr size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
constexpr size_t kCrcBytes = 4;

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

void PutU32(uint32_t v, std::string& out) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

uint64_t GetBigEndian(std::string_view data, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<uint8_t>(data[at + i]);
  return v;
}

Status Bad(std::string message) { return Status::InvalidArgument("event stream: " + message); }

// Parses the headers section into `out`.
Status ParseHeaders(std::string_view data, Message& out) {
  size_t at = 0;
  while (at < data.size()) {
    size_t name_len = static_cast<uint8_t>(data[at++]);
    if (name_len == 0 || at + name_len + 1 > data.size()) return Bad("malformed header name");
    std::string name(data.substr(at, name_len));
    at += name_len;
    HeaderValue value;
    uint8_t type = static_cast<uint8_t>(data[at++]);
    if (type > static_cast<uint8_t>(HeaderValue::Type::kUuid)) return Bad("unknown header type");
    value.type = static_cast<HeaderValue::Type>(type);
    size_t width = 0;
    switch (value.type) {
      case HeaderValue::Type::kBoolTrue:
        value.number = 1;
        break;
      case HeaderValue::Type::kBoolFalse:
        value.number = 0;
        break;
      case HeaderValue::Type::kByte:
        width = 1;
        break;
      case HeaderValue::Type::kShort:
        width = 2;
        break;
      case HeaderValue::Type::kInteger:
        width = 4;
        break;
      case HeaderValue::Type::kLong:
      case HeaderValue::Type::kTimestamp:
        width = 8;
        break;
      case HeaderValue::Type::kUuid:
        if (at + 16 > data.size()) return Bad("truncated header value");
        value.bytes.assign(data.substr(at, 16));
        at += 16;
        break;
      case HeaderValue::Type::kBytes:
      case HeaderValue::Type::kString: {
        if (at + 2 > data.size()) return Bad("truncated header value");
        size_t len = static_cast<size_t>(GetBigEndian(data, at, 2));
        at += 2;
        if (at + len > data.size()) return Bad("truncated header value");
        value.bytes.assign(data.substr(at, len));
        at += len;
        break;
      }
    }
    if (width > 0) {
      if (at + width > data.size()) return Bad("truncated header value");
      uint64_t raw = GetBigEndian(data, at, width);
      int shift = static_cast<int>(64 - 8 * width);  // sign-extend
      value.number = static_cast<int64_t>(raw << shift) >> shift;
      at += width;
    }
    for (const auto& [existing, unused] : out.headers) {
      if (existing == name) return Bad("duplicate header " + name);
    }
    out.headers.emplace_back(std::move(name), std::move(value));
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string_view> Message::StringHeader(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name && value.type == HeaderValue::Type::kString) return value.bytes;
  }
  return std::nullopt;
}

uint32_t Crc32(std::string_view bytes, uint32_t crc) {
  crc = ~crc;
  for (char ch : bytes) crc = kCrcTable[(crc ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void EncodeMessage(const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                   std::string_view payload, std::string& out) {
  std::string head;
  for (auto [name, value] : headers) {
    name = name.substr(0, 255);
    value = value.substr(0, 65535);
    head.push_back(static_cast<char>(name.size()));
    head.append(name);
    head.push_back(static_cast<char>(HeaderValue::Type::kString));
    head.push_back(static_cast<char>(value.size() >> 8));
    head.push_back(static_cast<char>(value.size() & 0xFF));
    head.append(value);
  }
  size_t start = out.size();
  uint32_t total = static_cast<uint32_t>(kPreludeBytes + head.size() + payload.size() + kCrcBytes);
  out.reserve(start + total);
  PutU32(total, out);
  PutU32(static_cast<uint32_t>(head.size()), out);
  PutU32(Crc32(std::string_view(out).substr(start, 8)), out);
  out.append(head);
  out.append(payload);
  PutU32(Crc32(std::string_view(out).substr(start)), out);
}

void EncodeEvent(std::string_view event_type, std::string_view content_type,
                 std::string_view payload, std::string& out) {
  EncodeMessage(
      {{":event-type", event_type}, {":content-type", content_type}, {":message-type", "event"}},
      payload, out);
}

Result<std::optional<std::pair<Message, size_t>>> DecodeMessage(std::string_view data) {
  using Decoded = std::optional<std::pair<Message, size_t>>;
  if (data.size() < kPreludeBytes) return Decoded();
  uint32_t total = static_cast<uint32_t>(GetBigEndian(data, 0, 4));
  uint32_t headers_len = static_cast<uint32_t>(GetBigEndian(data, 4, 4));
  uint32_t prelude_crc = static_cast<uint32_t>(GetBigEndian(data, 8, 4));
  if (Crc32(data.substr(0, 8)) != prelude_crc) return Bad("prelude checksum mismatch");
  if (total < kPreludeBytes + kCrcBytes || total > kMaxMessageBytes) {
    return Bad("invalid message length");
  }
  if (headers_len > kMaxHeadersBytes || headers_len > total - kPreludeBytes - kCrcBytes) {
    return Bad("invalid headers length");
  }
  if (data.size() < total) return Decoded();
  uint32_t message_crc = static_cast<uint32_t>(GetBigEndian(data, total - kCrcBytes, 4));
  if (Crc32(data.substr(0, total - kCrcBytes)) != message_crc) {
    return Bad("message checksum mismatch");
  }
  Message message;
  Status headers = ParseHeaders(data.substr(kPreludeBytes, headers_len), message);
  if (!headers.ok()) return headers;
  size_t payload_at = kPreludeBytes + headers_len;
  message.payload.assign(data.substr(payload_at, total - kCrcBytes - payload_at));
  return Decoded(std::in_place, std::move(message), total);
}

}  // namespace nimbus::event_stream
