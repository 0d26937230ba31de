// Groups, streams and appends. Reads are in log_store_read.cc.
#include "services/logs/log_store.h"

#include <algorithm>

#include "services/kit/arn.h"
#include "services/kit/scoped_key.h"
#include "services/logs/event_chunk.h"

namespace nimbus::logs {
namespace {

const store::Migration kMigrations[] = {
    {1, "groups-streams-events",
     "CREATE TABLE logs_groups ("
     "  id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
     "  name TEXT NOT NULL, creation_time INTEGER NOT NULL, retention_days INTEGER,"
     "  kms_key_id TEXT NOT NULL DEFAULT '', class TEXT NOT NULL DEFAULT 'STANDARD',"
     "  stored_bytes INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '{}',"
     "  UNIQUE(account, region, name));"
     "CREATE TABLE logs_streams ("
     "  id INTEGER PRIMARY KEY,"
     "  group_id INTEGER NOT NULL REFERENCES logs_groups(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL, creation_time INTEGER NOT NULL, first_event INTEGER,"
     "  last_event INTEGER, last_ingestion INTEGER, stored_bytes INTEGER NOT NULL DEFAULT 0,"
     "  UNIQUE(group_id, name));"
     "CREATE TABLE logs_events ("
     "  id INTEGER PRIMARY KEY,"
     "  group_id INTEGER NOT NULL,"
     "  stream_id INTEGER NOT NULL REFERENCES logs_streams(id) ON DELETE CASCADE,"
     "  ts INTEGER NOT NULL, ingestion INTEGER NOT NULL, message TEXT NOT NULL);"
     "CREATE INDEX logs_events_stream ON logs_events(stream_id, ts, id);"
     "CREATE INDEX logs_events_group ON logs_events(group_id, ts, id);"},
    // One row per appended batch and stream (see event_chunk.h): a Lambda invocation's
    // START/END/REPORT lines cost a share of one row insert instead of three rows with two
    // index entries each. Existing events move into one chunk each.
    {2, "event-chunks",
     "CREATE TABLE logs_chunks ("
     "  id INTEGER PRIMARY KEY,"
     "  group_id INTEGER NOT NULL,"
     "  stream_id INTEGER NOT NULL REFERENCES logs_streams(id) ON DELETE CASCADE,"
     "  min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, ingestion INTEGER NOT NULL,"
     "  count INTEGER NOT NULL, data BLOB NOT NULL);"
     "CREATE INDEX logs_chunks_stream ON logs_chunks(stream_id, max_ts);"
     "CREATE INDEX logs_chunks_group ON logs_chunks(group_id, max_ts);"
     "INSERT INTO logs_chunks(group_id, stream_id, min_ts, max_ts, ingestion, count, data)"
     "  SELECT group_id, stream_id, ts, ts, ingestion, 1,"
     "  CAST(ts || ':' || length(CAST(message AS BLOB)) || ':' || message AS BLOB)"
     "  FROM logs_events ORDER BY stream_id, ts, id;"
     "DROP TABLE logs_events;"},
};

// A stream's key in the id cache: its group and name (neither holds a NUL) in its scope.
std::string CacheKey(const Scope& scope, std::string_view group, std::string_view stream) {
  std::string name(group);
  name.push_back('\0');
  name.append(stream);
  return ScopedKey(scope, name);
}

bool IsUniqueViolation(const Status& st) {
  return st.message().find("UNIQUE") != std::string::npos;
}

}  // namespace

Status LogStore::Init() { return db_.Migrate("logs", kMigrations); }

Result<std::shared_ptr<LogStore>> MakeLogStore(store::Database& db, const Clock& clock) {
  auto s = std::make_shared<LogStore>(db, clock);
  Status st = s->Init();
  if (!st.ok()) return st;
  return s;
}

std::string GroupArn(const Scope& scope, std::string_view group, bool with_star) {
  std::string arn = MakeArn("logs", scope, "log-group:" + std::string(group));
  if (with_star) arn += ":*";
  return arn;
}

int64_t LogStore::RetentionFloor(std::optional<int> days) const {
  if (!days || *days <= 0) return 0;
  return clock_.NowMillis() - int64_t{*days} * 86'400'000;
}

void LogStore::ForgetCache() {
  std::lock_guard lock(cache_mu_);
  stream_cache_.clear();
}

Result<int64_t> LogStore::GroupId(const Scope& scope, std::string_view group,
                                  std::optional<int>* retention) {
  std::optional<int64_t> id;
  Status st = db_.Query(
      "SELECT id, retention_days FROM logs_groups WHERE account=? AND region=? AND name=?",
      {scope.account, scope.region, group}, [&](const store::Row& row) {
        id = row.Int(0);
        if (retention != nullptr && !row.IsNull(1)) *retention = static_cast<int>(row.Int(1));
        return false;
      });
  if (!st.ok()) return st;
  if (!id) return Status::NotFound("The specified log group does not exist.");
  return *id;
}

Result<LogStore::Ids> LogStore::StreamIds(const Scope& scope, std::string_view group,
                                          std::string_view stream) {
  std::string key = CacheKey(scope, group, stream);
  {
    std::lock_guard lock(cache_mu_);
    auto it = stream_cache_.find(key);
    if (it != stream_cache_.end()) return it->second;
  }
  auto gid = GroupId(scope, group);
  if (!gid.ok()) return gid.error();
  std::optional<int64_t> sid;
  Status st = db_.Query("SELECT id FROM logs_streams WHERE group_id=? AND name=?", {*gid, stream},
                        [&](const store::Row& row) {
                          sid = row.Int(0);
                          return false;
                        });
  if (!st.ok()) return st;
  if (!sid) return Status::NotFound("The specified log stream does not exist.");
  Ids ids{*gid, *sid};
  std::lock_guard lock(cache_mu_);
  if (stream_cache_.size() > 10000) stream_cache_.clear();
  stream_cache_.emplace(std::move(key), ids);
  return ids;
}

Status LogStore::CheckStream(const Scope& scope, std::string_view group, std::string_view stream) {
  auto ids = StreamIds(scope, group, stream);
  return ids.ok() ? Status::Ok() : ids.error();
}

Status LogStore::EnsureGroup(const Scope& scope, std::string_view group) {
  auto r = db_.Exec(
      "INSERT INTO logs_groups(account, region, name, creation_time) VALUES(?,?,?,?) "
      "ON CONFLICT(account, region, name) DO NOTHING",
      {scope.account, scope.region, group, clock_.NowMillis()});
  return r.ok() ? Status::Ok() : r.error();
}

Status LogStore::EnsureStream(const Scope& scope, std::string_view group, std::string_view stream) {
  return db_.Transaction([&]() -> Status {
    NIMBUS_RETURN_IF_ERROR(EnsureGroup(scope, group));
    auto gid = GroupId(scope, group);
    if (!gid.ok()) return gid.error();
    auto r = db_.Exec(
        "INSERT INTO logs_streams(group_id, name, creation_time) VALUES(?,?,?) "
        "ON CONFLICT(group_id, name) DO NOTHING",
        {*gid, stream, clock_.NowMillis()});
    return r.ok() ? Status::Ok() : r.error();
  });
}

Status LogStore::Append(const Scope& scope, std::string_view group, std::string_view stream,
                        const std::vector<LogEvent>& events) {
  if (events.empty()) return Status::Ok();
  auto ids = StreamIds(scope, group, stream);
  if (!ids.ok()) return ids.error();
  Status st = InsertEvents(*ids, events);
  // A cached id may belong to a stream deleted meanwhile: retry once with fresh ids.
  if (!st.ok() && st.message().find("FOREIGN KEY") != std::string::npos) {
    ForgetCache();
    ids = StreamIds(scope, group, stream);
    if (!ids.ok()) return ids.error();
    st = InsertEvents(*ids, events);
  }
  return st;
}

Status LogStore::AppendEnsuring(const Scope& scope, std::string_view group, std::string_view stream,
                                const std::vector<LogEvent>& events) {
  if (events.empty()) return EnsureStream(scope, group, stream);
  Status st = Append(scope, group, stream, events);
  if (st.code() != StatusCode::kNotFound) return st;
  NIMBUS_RETURN_IF_ERROR(EnsureStream(scope, group, stream));
  return Append(scope, group, stream, events);
}

std::vector<Status> LogStore::AppendEnsuringAll(const std::vector<LogBatch>& batches) {
  std::vector<Status> results;
  results.reserve(batches.size());
  Status st = db_.Transaction([&]() -> Status {
    for (const LogBatch& b : batches) {
      results.push_back(AppendEnsuring(b.scope, b.group, b.stream, b.lines));
    }
    return Status::Ok();
  });
  if (!st.ok()) results.assign(batches.size(), st);  // the commit failed: nothing was kept
  return results;
}

Status LogStore::InsertEvents(const Ids& ids, const std::vector<LogEvent>& events) {
  const int64_t now = clock_.NowMillis();
  return db_.Transaction([&]() -> Status {
    int64_t bytes = 0;
    int64_t first = INT64_MAX;  // over all chunks
    int64_t last = INT64_MIN;
    std::string blob;
    for (size_t begin = 0; begin < events.size(); begin += kMaxEventsPerChunk) {
      const size_t end = std::min(events.size(), begin + size_t{kMaxEventsPerChunk});
      int64_t lo = INT64_MAX;
      int64_t hi = INT64_MIN;
      blob.clear();
      for (size_t i = begin; i < end; ++i) {
        const int64_t ts = std::max<int64_t>(0, events[i].timestamp_ms);
        lo = std::min(lo, ts);
        hi = std::max(hi, ts);
        bytes += static_cast<int64_t>(events[i].message.size());
        AppendChunkEvent(blob, ts, events[i].message);
      }
      first = std::min(first, lo);
      last = std::max(last, hi);
      auto r = db_.Exec(
          "INSERT INTO logs_chunks(group_id, stream_id, min_ts, max_ts, ingestion, count, data) "
          "VALUES(?,?,?,?,?,?,?)",
          {ids.group, ids.stream, lo, hi, now, static_cast<int64_t>(end - begin),
           store::BlobParam{blob}});
      if (!r.ok()) return r.error();
    }
    auto r = db_.Exec(
        "UPDATE logs_streams SET first_event=min(coalesce(first_event, ?1), ?1),"
        " last_event=max(coalesce(last_event, ?2), ?2), last_ingestion=?3,"
        " stored_bytes=stored_bytes+?4 WHERE id=?5",
        {first, last, now, bytes, ids.stream});
    if (!r.ok()) return r.error();
    if (*r == 0) return Status::NotFound("The specified log stream does not exist.");
    r = db_.Exec("UPDATE logs_groups SET stored_bytes=stored_bytes+? WHERE id=?",
                 {bytes, ids.group});
    return r.ok() ? Status::Ok() : r.error();
  });
}

Status LogStore::CreateGroup(const Scope& scope, const GroupInfo& info,
                             std::string_view tags_json) {
  auto r = db_.Exec(
      "INSERT INTO logs_groups(account, region, name, creation_time, kms_key_id, class, tags)"
      " VALUES(?,?,?,?,?,?,?)",
      {scope.account, scope.region, std::string_view(info.name), clock_.NowMillis(),
       std::string_view(info.kms_key_id),
       std::string_view(info.log_group_class.empty() ? "STANDARD" : info.log_group_class),
       tags_json});
  if (r.ok()) return Status::Ok();
  if (IsUniqueViolation(r.error())) {
    return Status::AlreadyExists("The specified log group already exists");
  }
  return r.error();
}

Status LogStore::DeleteGroup(const Scope& scope, std::string_view group) {
  Status st = db_.Transaction([&]() -> Status {
    auto gid = GroupId(scope, group);
    if (!gid.ok()) return gid.error();
    auto r = db_.Exec("DELETE FROM logs_chunks WHERE group_id=?", {*gid});
    if (r.ok()) r = db_.Exec("DELETE FROM logs_streams WHERE group_id=?", {*gid});
    if (r.ok()) r = db_.Exec("DELETE FROM logs_groups WHERE id=?", {*gid});
    return r.ok() ? Status::Ok() : r.error();
  });
  ForgetCache();
  return st;
}

Status LogStore::CreateStream(const Scope& scope, std::string_view group, std::string_view stream) {
  auto gid = GroupId(scope, group);
  if (!gid.ok()) return gid.error();
  auto r = db_.Exec("INSERT INTO logs_streams(group_id, name, creation_time) VALUES(?,?,?)",
                    {*gid, stream, clock_.NowMillis()});
  if (r.ok()) return Status::Ok();
  if (IsUniqueViolation(r.error())) {
    return Status::AlreadyExists("The specified log stream already exists");
  }
  return r.error();
}

Status LogStore::DeleteStream(const Scope& scope, std::string_view group, std::string_view stream) {
  Status st = db_.Transaction([&]() -> Status {
    auto ids = StreamIds(scope, group, stream);
    if (!ids.ok()) return ids.error();
    int64_t bytes = 0;
    NIMBUS_RETURN_IF_ERROR(db_.Query("SELECT stored_bytes FROM logs_streams WHERE id=?",
                                     {ids->stream}, [&](const store::Row& row) {
                                       bytes = row.Int(0);
                                       return false;
                                     }));
    auto r = db_.Exec("DELETE FROM logs_chunks WHERE stream_id=?", {ids->stream});
    if (r.ok()) r = db_.Exec("DELETE FROM logs_streams WHERE id=?", {ids->stream});
    if (r.ok()) {
      r = db_.Exec("UPDATE logs_groups SET stored_bytes=max(0, stored_bytes-?) WHERE id=?",
                   {bytes, ids->group});
    }
    return r.ok() ? Status::Ok() : r.error();
  });
  ForgetCache();
  return st;
}

}  // namespace nimbus::logs
