// The stored form of log events: one SQLite row ("chunk") per appended batch and stream, its
// events packed in one blob, so appending N events costs one row insert instead of N.
//
// Blob format, per event in append order: "<timestamp>:<byte length>:<message bytes>" with
// both numbers in decimal (the timestamp is >= 0). It is simple enough to be written by SQL too
// (the migration from one-row-per-event does that).
//
// An event's id is its chunk's rowid times kMaxEventsPerChunk plus its index in the chunk:
// unique, stable, and ordered like the append order inside a chunk.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::logs {

inline constexpr int64_t kMaxEventsPerChunk = int64_t{1} << 20;

// Appends one event to `blob` (timestamp clamped to >= 0).
void AppendChunkEvent(std::string& blob, int64_t timestamp_ms, std::string_view message);

// One decoded event; `message` points into the blob passed to DecodeChunk.
struct ChunkEvent {
  int64_t timestamp_ms = 0;
  std::string_view message;
};

// Decodes a whole blob. Corruption when it is malformed (nothing is returned then).
Result<std::vector<ChunkEvent>> DecodeChunk(std::string_view blob);

// Event id of the `index`th event of chunk `chunk_id`.
inline int64_t ChunkEventId(int64_t chunk_id, int64_t index) {
  return chunk_id * kMaxEventsPerChunk + index;
}

}  // namespace nimbus::logs
