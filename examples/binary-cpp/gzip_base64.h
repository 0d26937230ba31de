// base64 and gzip helpers for the binary-cpp example (zlib underneath).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace binary_example {

// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);
// Strict standard base64 (padding required, no whitespace); nullopt if malformed.
std::optional<std::string> base64_decode(std::string_view text);
// gzip-compresses `bytes` (RFC 1952).
std::string gzip(std::string_view bytes);
// Decompresses gzip data; nullopt if it is not gzip, is corrupt, or inflates past `limit`.
std::optional<std::string> gunzip(std::string_view bytes, std::size_t limit);

}  // namespace binary_example
