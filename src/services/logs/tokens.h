// Pagination tokens of the logs API. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "services/logs/log_store.h"

namespace nimbus::logs {

// GetLogEvents tokens as AWS shapes them: "f/<56 digits>" (forward) or "b/<56 digits>"
// (backward); the digits encode an event position (timestamp, id).
std::string EncodeStreamToken(bool forward, EventPos pos);

// FilterLogEvents eventId: 56 digits encoding the position (stable across calls).
std::string EventId(EventPos pos);

struct StreamToken {
  bool forward = true;
  EventPos pos;
};
// nullopt unless `token` is exactly what EncodeStreamToken produces.
std::optional<StreamToken> DecodeStreamToken(std::string_view token);

// Opaque page tokens (base64) carrying a kind tag and a payload; DecodePageToken returns
// nullopt when the token is malformed or of another kind.
std::string EncodePageToken(std::string_view kind, std::string_view payload);
std::optional<std::string> DecodePageToken(std::string_view kind, std::string_view token);

// FilterLogEvents: resume strictly after `pos`.
std::string EncodeFilterToken(EventPos pos);
std::optional<EventPos> DecodeFilterToken(std::string_view token);

// DescribeLogStreams cursor: (last-event key, stream name) of the last stream returned.
std::string EncodeStreamsToken(int64_t key, std::string_view name);
std::optional<std::pair<int64_t, std::string>> DecodeStreamsToken(std::string_view token);

}  // namespace nimbus::logs
