#include "services/logs/event_scan.h"

#include <algorithm>
#include <deque>
#include <queue>
#include <string>
#include <vector>

#include "services/logs/event_chunk.h"

namespace nimbus::logs {
namespace {

struct ChunkMeta {
  int64_t id, stream_id, min_ts, max_ts;
};

// Forward: chunks that can hold a timestamp in [?2, ?3). Backward: in [?3, ?2].
constexpr char kStreamForward[] =
    "SELECT id, stream_id, min_ts, max_ts FROM logs_chunks "
    "WHERE stream_id=?1 AND max_ts>=?2 AND min_ts<?3";
constexpr char kGroupForward[] =
    "SELECT id, stream_id, min_ts, max_ts FROM logs_chunks "
    "WHERE group_id=?1 AND max_ts>=?2 AND min_ts<?3";
constexpr char kStreamBackward[] =
    "SELECT id, stream_id, min_ts, max_ts FROM logs_chunks "
    "WHERE stream_id=?1 AND min_ts<=?2 AND max_ts>=?3";
constexpr char kGroupBackward[] =
    "SELECT id, stream_id, min_ts, max_ts FROM logs_chunks "
    "WHERE group_id=?1 AND min_ts<=?2 AND max_ts>=?3";

Result<std::vector<ChunkMeta>> SelectChunks(store::Database& db, ChunkScope scope, int64_t id,
                                            TimeRange range, EventPos from, bool forward) {
  std::vector<ChunkMeta> metas;
  auto on_row = [&](const store::Row& row) {
    metas.push_back({row.Int(0), row.Int(1), row.Int(2), row.Int(3)});
    return true;
  };
  Status st;
  if (forward) {
    const int64_t lo = std::max(range.start, from.timestamp);
    st = db.Query(scope == ChunkScope::kStream ? kStreamForward : kGroupForward,
                  {id, lo, range.end}, on_row);
  } else {
    const int64_t hi = std::min(range.end == INT64_MIN ? INT64_MIN : range.end - 1, from.timestamp);
    st = db.Query(scope == ChunkScope::kStream ? kStreamBackward : kGroupBackward,
                  {id, hi, range.start}, on_row);
  }
  if (!st.ok()) return st;
  return metas;
}

}  // namespace

Status ScanEvents(store::Database& db, ChunkScope scope, int64_t scope_id, TimeRange range,
                  EventPos from, bool forward, const std::function<bool(int64_t)>& stream_ok,
                  const std::function<bool(const ScannedEvent&)>& visit) {
  auto metas = SelectChunks(db, scope, scope_id, range, from, forward);
  if (!metas.ok()) return metas.error();
  std::erase_if(*metas, [&](const ChunkMeta& m) { return !stream_ok(m.stream_id); });
  // Scan order of chunks: by their first timestamp in scan order.
  std::sort(metas->begin(), metas->end(), [forward](const ChunkMeta& a, const ChunkMeta& b) {
    return forward ? std::tie(a.min_ts, a.id) < std::tie(b.min_ts, b.id)
                   : std::tie(a.max_ts, a.id) > std::tie(b.max_ts, b.id);
  });
  auto after_in_scan = [forward](const ScannedEvent& a, const ScannedEvent& b) {
    return forward ? a.pos > b.pos : a.pos < b.pos;
  };
  // Events loaded but not visited yet; top() is the next one in scan order.
  std::priority_queue<ScannedEvent, std::vector<ScannedEvent>, decltype(after_in_scan)> pending(
      after_in_scan);
  std::deque<std::string> blobs;  // owns the messages in `pending` (deque: no relocation)
  auto in_window = [&](EventPos pos) {
    if (pos.timestamp < range.start || pos.timestamp >= range.end) return false;
    return forward ? pos > from : pos < from;
  };
  for (const ChunkMeta& meta : *metas) {
    // Nothing in this chunk or later ones comes before an event beyond `bound`.
    const int64_t bound = forward ? meta.min_ts : meta.max_ts;
    while (!pending.empty() &&
           (forward ? pending.top().pos.timestamp < bound : pending.top().pos.timestamp > bound)) {
      if (!visit(pending.top())) return Status::Ok();
      pending.pop();
    }
    int64_t ingestion = 0;
    bool found = false;
    Status st = db.Query("SELECT ingestion, data FROM logs_chunks WHERE id=?", {meta.id},
                         [&](const store::Row& row) {
                           ingestion = row.Int(0);
                           blobs.push_back(row.Blob(1));
                           found = true;
                           return false;
                         });
    if (!st.ok()) return st;
    if (!found) continue;  // deleted since the listing
    auto events = DecodeChunk(blobs.back());
    if (!events.ok()) return events.error();
    for (size_t i = 0; i < events->size(); ++i) {
      const ChunkEvent& e = (*events)[i];
      EventPos pos{e.timestamp_ms, ChunkEventId(meta.id, static_cast<int64_t>(i))};
      if (in_window(pos)) pending.push({pos, meta.stream_id, ingestion, e.message});
    }
  }
  while (!pending.empty()) {
    if (!visit(pending.top())) return Status::Ok();
    pending.pop();
  }
  return Status::Ok();
}

}  // namespace nimbus::logs
