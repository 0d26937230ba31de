// Reads: groups, streams, tags, events.
#include <algorithm>
#include <unordered_map>

#include "services/logs/event_scan.h"
#include "services/logs/log_store.h"

namespace nimbus::logs {
namespace {

constexpr int64_t kEventOverhead = 26;

GroupInfo GroupFromRow(const store::Row& row) {
  GroupInfo g;
  g.name = row.Text(0);
  g.creation_time = row.Int(1);
  if (!row.IsNull(2)) g.retention_days = static_cast<int>(row.Int(2));
  g.stored_bytes = row.Int(3);
  g.kms_key_id = row.Text(4);
  g.log_group_class = row.Text(5);
  return g;
}

StreamInfo StreamFromRow(const store::Row& row) {
  StreamInfo s;
  s.name = row.Text(0);
  s.creation_time = row.Int(1);
  if (!row.IsNull(2)) s.first_event = row.Int(2);
  if (!row.IsNull(3)) s.last_event = row.Int(3);
  if (!row.IsNull(4)) s.last_ingestion = row.Int(4);
  s.stored_bytes = row.Int(5);
  return s;
}

constexpr char kGroupColumns[] =
    "SELECT name, creation_time, retention_days, stored_bytes, kms_key_id, class "
    "FROM logs_groups ";

// Stream listings: (?1 group, ?2 prefix, ?3 cursor key or NULL, ?4 cursor name, ?5 limit).
constexpr char kStreamsByName[] =
    "SELECT name, creation_time, first_event, last_event, last_ingestion, stored_bytes "
    "FROM logs_streams WHERE group_id=?1 AND substr(name, 1, length(?2))=?2 "
    "AND (?3 IS NULL OR name > ?4) ORDER BY name LIMIT ?5";
constexpr char kStreamsByNameDesc[] =
    "SELECT name, creation_time, first_event, last_event, last_ingestion, stored_bytes "
    "FROM logs_streams WHERE group_id=?1 AND substr(name, 1, length(?2))=?2 "
    "AND (?3 IS NULL OR name < ?4) ORDER BY name DESC LIMIT ?5";
constexpr char kStreamsByTime[] =
    "SELECT name, creation_time, first_event, last_event, last_ingestion, stored_bytes "
    "FROM logs_streams WHERE group_id=?1 AND substr(name, 1, length(?2))=?2 "
    "AND (?3 IS NULL OR (coalesce(last_event, 0), name) > (?3, ?4)) "
    "ORDER BY coalesce(last_event, 0), name LIMIT ?5";
constexpr char kStreamsByTimeDesc[] =
    "SELECT name, creation_time, first_event, last_event, last_ingestion, stored_bytes "
    "FROM logs_streams WHERE group_id=?1 AND substr(name, 1, length(?2))=?2 "
    "AND (?3 IS NULL OR (coalesce(last_event, 0), name) < (?3, ?4)) "
    "ORDER BY coalesce(last_event, 0) DESC, name DESC LIMIT ?5";

}  // namespace

Result<GroupInfo> LogStore::GetGroup(const Scope& scope, std::string_view group) {
  std::optional<GroupInfo> out;
  Status st = db_.Query(
      "SELECT name, creation_time, retention_days, stored_bytes, kms_key_id,"
      " class FROM logs_groups WHERE account=? AND region=? AND name=?",
      {scope.account, scope.region, group}, [&](const store::Row& row) {
        out = GroupFromRow(row);
        return false;
      });
  if (!st.ok()) return st;
  if (!out) return Status::NotFound("The specified log group does not exist.");
  return *out;
}

Result<std::vector<GroupInfo>> LogStore::ListGroups(const Scope& scope, std::string_view prefix,
                                                    std::string_view contains,
                                                    std::string_view after, int limit) {
  static const std::string sql = std::string(kGroupColumns) +
                                 "WHERE account=?1 AND region=?2 AND name > ?3 "
                                 "AND substr(name, 1, length(?4))=?4 "
                                 "AND instr(name, ?5) > 0 ORDER BY name LIMIT ?6";
  std::vector<GroupInfo> out;
  Status st = db_.Query(sql, {scope.account, scope.region, after, prefix, contains, limit},
                        [&](const store::Row& row) {
                          out.push_back(GroupFromRow(row));
                          return true;
                        });
  if (!st.ok()) return st;
  return out;
}

Status LogStore::SetRetention(const Scope& scope, std::string_view group, std::optional<int> days) {
  auto r = db_.Exec(
      "UPDATE logs_groups SET retention_days=? WHERE account=? AND region=? AND name=?",
      {days ? store::Param(*days) : store::Param(nullptr), scope.account, scope.region, group});
  if (!r.ok()) return r.error();
  if (*r == 0) return Status::NotFound("The specified log group does not exist.");
  return Status::Ok();
}

Result<std::string> LogStore::GetTags(const Scope& scope, std::string_view group) {
  std::optional<std::string> tags;
  Status st = db_.Query("SELECT tags FROM logs_groups WHERE account=? AND region=? AND name=?",
                        {scope.account, scope.region, group}, [&](const store::Row& row) {
                          tags = row.Text(0);
                          return false;
                        });
  if (!st.ok()) return st;
  if (!tags) return Status::NotFound("The specified log group does not exist.");
  return *tags;
}

Status LogStore::SetTags(const Scope& scope, std::string_view group, std::string_view tags_json) {
  auto r = db_.Exec("UPDATE logs_groups SET tags=? WHERE account=? AND region=? AND name=?",
                    {tags_json, scope.account, scope.region, group});
  if (!r.ok()) return r.error();
  if (*r == 0) return Status::NotFound("The specified log group does not exist.");
  return Status::Ok();
}

Result<std::vector<StreamInfo>> LogStore::ListStreams(const Scope& scope, std::string_view group,
                                                      const StreamQuery& q) {
  auto gid = GroupId(scope, group);
  if (!gid.ok()) return gid.error();
  const char* sql = q.by_last_event ? (q.descending ? kStreamsByTimeDesc : kStreamsByTime)
                                    : (q.descending ? kStreamsByNameDesc : kStreamsByName);
  std::vector<StreamInfo> out;
  store::Param key = q.after ? store::Param(q.after->first) : store::Param(nullptr);
  std::string_view name = q.after ? std::string_view(q.after->second) : std::string_view();
  Status st = db_.Query(sql, {*gid, std::string_view(q.prefix), key, name, q.limit},
                        [&](const store::Row& row) {
                          out.push_back(StreamFromRow(row));
                          return true;
                        });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<StoredEvent>> LogStore::ReadStream(const Scope& scope, std::string_view group,
                                                      std::string_view stream, TimeRange range,
                                                      std::optional<EventPos> from, bool forward,
                                                      int limit, int64_t max_bytes) {
  std::optional<int> retention;
  auto gid = GroupId(scope, group, &retention);
  if (!gid.ok()) return gid.error();
  auto ids = StreamIds(scope, group, stream);
  if (!ids.ok()) return ids.error();
  range.start = std::max(range.start, RetentionFloor(retention));
  EventPos pos =
      from.value_or(forward ? EventPos{INT64_MIN, INT64_MIN} : EventPos{INT64_MAX, INT64_MAX});
  std::vector<StoredEvent> out;
  int64_t bytes = 0;
  Status st = ScanEvents(
      db_, ChunkScope::kStream, ids->stream, range, pos, forward, [](int64_t) { return true; },
      [&](const ScannedEvent& e) {
        if (static_cast<int>(out.size()) >= limit) return false;
        int64_t size = static_cast<int64_t>(e.message.size()) + kEventOverhead;
        if (!out.empty() && bytes + size > max_bytes) return false;
        bytes += size;
        out.push_back(
            StoredEvent{e.pos, std::string(stream), e.ingestion_time, std::string(e.message)});
        return true;
      });
  if (!st.ok()) return st;
  if (!forward) std::reverse(out.begin(), out.end());
  return out;
}

Result<LogStore::FilterResult> LogStore::Filter(
    const Scope& scope, std::string_view group, TimeRange range, std::optional<EventPos> after,
    const std::function<bool(std::string_view)>& stream_ok,
    const std::function<bool(std::string_view)>& match, int limit, int64_t max_bytes) {
  std::optional<int> retention;
  auto gid = GroupId(scope, group, &retention);
  if (!gid.ok()) return gid.error();
  range.start = std::max(range.start, RetentionFloor(retention));
  EventPos pos = after.value_or(EventPos{INT64_MIN, INT64_MIN});
  // Names of the group's streams, and which of them the caller wants.
  std::unordered_map<int64_t, std::string> names;
  Status st = db_.Query("SELECT id, name FROM logs_streams WHERE group_id=?", {*gid},
                        [&](const store::Row& row) {
                          if (stream_ok(row.TextView(1))) names.emplace(row.Int(0), row.Text(1));
                          return true;
                        });
  if (!st.ok()) return st;
  FilterResult res;
  int64_t bytes = 0;
  int scanned = 0;
  st = ScanEvents(
      db_, ChunkScope::kGroup, *gid, range, pos, /*forward=*/true,
      [&](int64_t stream_id) { return names.count(stream_id) != 0; },
      [&](const ScannedEvent& e) {
        if (static_cast<int>(res.events.size()) >= limit || scanned >= kMaxFilterScan) {
          res.more = true;
          return false;
        }
        if (match(e.message)) {
          int64_t size = static_cast<int64_t>(e.message.size()) + kEventOverhead;
          if (!res.events.empty() && bytes + size > max_bytes) {
            res.more = true;
            return false;
          }
          bytes += size;
          res.events.push_back(
              StoredEvent{e.pos, names[e.stream_id], e.ingestion_time, std::string(e.message)});
        }
        ++scanned;
        res.resume = e.pos;
        return true;
      });
  if (!st.ok()) return st;
  return res;
}

}  // namespace nimbus::logs
