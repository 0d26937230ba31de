// Ordered reads over stored event chunks (see event_chunk.h). Internal to the logs module.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/status.h"
#include "services/logs/log_store.h"
#include "store/database.h"

namespace nimbus::logs {

// One event met by ScanEvents; `message` is valid only during the visit.
struct ScannedEvent {
  EventPos pos;
  int64_t stream_id = 0;
  int64_t ingestion_time = 0;
  std::string_view message;
};

// Which chunks to read: those of one stream, or of every stream of one group.
enum class ChunkScope { kStream, kGroup };

// Calls `visit` for the events of the chunks in scope (`scope_id` is the stream or group id)
// with range.start <= timestamp < range.end that come strictly after `from` in scan order:
// ascending (timestamp, id) when `forward`, descending otherwise. Chunks of streams for which
// `stream_ok` is false are not read. Stops when `visit` returns false. Chunks may overlap in
// time (events appended out of order): they are merged, loading a chunk only when no event of
// it can come before what remains to visit. Errors: the database's; Corruption for a bad chunk.
Status ScanEvents(store::Database& db, ChunkScope scope, int64_t scope_id, TimeRange range,
                  EventPos from, bool forward, const std::function<bool(int64_t)>& stream_ok,
                  const std::function<bool(const ScannedEvent&)>& visit);

}  // namespace nimbus::logs
