// Page tokens (nextToken) for every service, written once: opaque to clients, base64 of a tag
// naming what the token is for and a payload. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus {

// base64("<tag><payload>"), e.g. tag "nimbus/groups/" (logs) and a group name.
std::string EncodeTaggedToken(std::string_view tag, std::string_view payload);
// The payload of a token EncodeTaggedToken made with `tag`; nullopt when `token` is not base64
// or carries another tag.
std::optional<std::string> DecodeTaggedToken(std::string_view tag, std::string_view token);

// For a list a service builds whole and in order (ECR's listings): the offset of the next page,
// as base64("o:<decimal>").
std::string EncodeOffsetToken(size_t offset);
// nullopt unless `token` is EncodeOffsetToken's form (digits only, about 10^9 at most).
std::optional<size_t> DecodeOffsetToken(std::string_view token);

}  // namespace nimbus
