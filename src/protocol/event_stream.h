// The AWS event-stream binary framing (application/vnd.amazon.eventstream), used by operations
// whose output is an event stream (Lambda InvokeWithResponseStream, ...). A message is:
//
//   total length (u32 BE) | headers length (u32 BE) | prelude CRC32 (of the 8 bytes before)
//   headers: name length (u8), name, value type (u8), value (strings: u16 BE length + bytes)
//   payload | message CRC32 (of everything before it)
//
// Pure functions over byte buffers; thread-safe; never assert on input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace nimbus::event_stream {

// A header value as the decoder reports it: strings and byte arrays as bytes, integers and
// timestamps (epoch ms) as int64, booleans as 0/1, UUIDs as their 16 bytes.
struct HeaderValue {
  enum class Type : uint8_t {
    kBoolTrue = 0,
    kBoolFalse = 1,
    kByte = 2,
    kShort = 3,
    kInteger = 4,
    kLong = 5,
    kBytes = 6,
    kString = 7,
    kTimestamp = 8,
    kUuid = 9,
  };
  Type type = Type::kString;
  int64_t number = 0;  // kBool*, kByte, kShort, kInteger, kLong, kTimestamp
  std::string bytes;   // kBytes, kString, kUuid
};

struct Message {
  std::vector<std::pair<std::string, HeaderValue>> headers;  // in wire order
  std::string payload;

  // The value of string header `name`, or nullopt when absent or not a string.
  std::optional<std::string_view> StringHeader(std::string_view name) const;
};

// Largest message nimbus encodes or accepts (the limit AWS's decoders apply: 16 MiB).
inline constexpr size_t kMaxMessageBytes = 16 * 1024 * 1024;
// Largest headers section (AWS: 128 KiB).
inline constexpr size_t kMaxHeadersBytes = 128 * 1024;

// CRC32 (IEEE 802.3, as zlib's crc32), continuing from `crc` (0 to start).
uint32_t Crc32(std::string_view bytes, uint32_t crc = 0);

// Appends one message with string-valued `headers` and `payload` to `out`. A header name over
// 255 bytes or a value over 65535 bytes is cut to fit; callers keep payloads under
// kMaxMessageBytes (EncodeEvent splits nothing).
void EncodeMessage(const std::vector<std::pair<std::string_view, std::string_view>>& headers,
                   std::string_view payload, std::string& out);

// Appends an event message: headers :event-type = `event_type`, :content-type =
// `content_type` and :message-type = event, then `payload`.
void EncodeEvent(std::string_view event_type, std::string_view content_type,
                 std::string_view payload, std::string& out);

// Decodes the message at the start of `data`. Returns the message and the bytes it took;
// nullopt (no error) when `data` holds only part of a message. Errors (bad lengths, CRC
// mismatch, malformed or duplicate headers) are InvalidArgument.
Result<std::optional<std::pair<Message, size_t>>> DecodeMessage(std::string_view data);

}  // namespace nimbus::event_stream
