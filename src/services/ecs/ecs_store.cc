#include "services/ecs/ecs_store.h"

#include "services/kit/arn.h"

namespace nimbus::ecs {
namespace {

const store::Migration kMigrations[] = {
    {1, "clusters-task-definitions",
     "CREATE TABLE ecs_clusters ("
     "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
     "  status TEXT NOT NULL, created_ms INTEGER NOT NULL,"
     "  tags TEXT NOT NULL DEFAULT '[]', settings TEXT NOT NULL DEFAULT '[]',"
     "  PRIMARY KEY(account, region, name));"
     "CREATE TABLE ecs_task_definitions ("
     "  account TEXT NOT NULL, region TEXT NOT NULL, family TEXT NOT NULL,"
     "  revision INTEGER NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL,"
     "  tags TEXT NOT NULL DEFAULT '[]',"
     "  PRIMARY KEY(account, region, family, revision));"},
    {2, "tasks-account-settings",
     "CREATE TABLE ecs_tasks ("
     "  account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,"
     "  cluster TEXT NOT NULL, family TEXT NOT NULL, started_by TEXT NOT NULL,"
     "  launch_type TEXT NOT NULL, task_group TEXT NOT NULL, desired_status TEXT NOT NULL,"
     "  last_status TEXT NOT NULL, created_ms INTEGER NOT NULL, stopped_ms INTEGER NOT NULL,"
     "  body TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '[]',"
     "  PRIMARY KEY(account, region, id));"
     "CREATE INDEX ecs_tasks_by_cluster ON ecs_tasks(account, region, cluster, created_ms);"
     "CREATE INDEX ecs_tasks_by_status ON ecs_tasks(last_status, stopped_ms);"
     "CREATE TABLE ecs_account_settings ("
     "  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
     "  principal TEXT NOT NULL, value TEXT NOT NULL,"
     "  PRIMARY KEY(account, region, name, principal));"},
};

Value ParseJson(std::string_view text) {
  Value v = Value::parse(text, nullptr, false);
  return v.is_discarded() ? Value::array() : v;
}

double NowSeconds(const Clock& clock) { return static_cast<double>(clock.NowMillis()) / 1000.0; }

}  // namespace

Status EcsStore::Init() { return db_.Migrate("ecs", kMigrations); }

Result<std::shared_ptr<EcsStore>> MakeEcsStore(store::Database& db, const Clock& clock) {
  auto s = std::make_shared<EcsStore>(db, clock);
  Status st = s->Init();
  if (!st.ok()) return st;
  return s;
}

Result<std::optional<ClusterRow>> EcsStore::GetCluster(const Scope& s, const std::string& name) {
  std::optional<ClusterRow> row;
  Status st = db_.Query(
      "SELECT status, tags, settings FROM ecs_clusters WHERE account=? AND region=? AND name=?",
      {s.account, s.region, name}, [&](const store::Row& r) {
        row = ClusterRow{name, r.Text(0), ParseJson(r.TextView(1)), ParseJson(r.TextView(2))};
        return false;
      });
  if (!st.ok()) return st;
  return row;
}

Result<ClusterRow> EcsStore::CreateCluster(const Scope& s, const std::string& name,
                                           const Value& tags, const Value& settings) {
  std::optional<ClusterRow> out;
  Status st = db_.Transaction([&]() -> Status {
    auto existing = GetCluster(s, name);
    if (!existing.ok()) return existing.error();
    if (*existing && (*existing)->status == "ACTIVE") {
      out = std::move(**existing);
      return Status::Ok();
    }
    auto done = db_.Exec(
        "INSERT INTO ecs_clusters(account, region, name, status, created_ms, tags, settings)"
        " VALUES(?,?,?,'ACTIVE',?,?,?) ON CONFLICT(account, region, name) DO UPDATE SET"
        " status='ACTIVE', created_ms=excluded.created_ms, tags=excluded.tags,"
        " settings=excluded.settings",
        {s.account, s.region, name, clock_.NowMillis(), tags.dump(), settings.dump()});
    if (!done.ok()) return done.error();
    out = ClusterRow{name, "ACTIVE", tags, settings};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::move(*out);
}

Result<std::optional<ClusterRow>> EcsStore::UseCluster(const Scope& s, const std::string& name) {
  if (name == "default") {
    auto made =
        CreateCluster(s, name, Value::array(),
                      Value::array({Value{{"name", "containerInsights"}, {"value", "disabled"}}}));
    if (!made.ok()) return made.error();
    return std::optional<ClusterRow>(std::move(*made));
  }
  auto row = GetCluster(s, name);
  if (!row.ok() || !*row || (*row)->status == "ACTIVE") return row;
  return std::optional<ClusterRow>();
}

Result<std::vector<std::string>> EcsStore::ListClusters(const Scope& s, const std::string& after,
                                                        int limit) {
  std::vector<std::string> names;
  Status st = db_.Query(
      "SELECT name FROM ecs_clusters WHERE account=? AND region=? AND status='ACTIVE'"
      " AND name>? ORDER BY name LIMIT ?",
      {s.account, s.region, after, limit}, [&](const store::Row& r) {
        names.push_back(r.Text(0));
        return true;
      });
  if (!st.ok()) return st;
  return names;
}

Result<std::optional<ClusterRow>> EcsStore::DeleteCluster(const Scope& s, const std::string& name) {
  auto changed = db_.Exec(
      "UPDATE ecs_clusters SET status='INACTIVE' WHERE account=? AND region=? AND name=?"
      " AND status='ACTIVE'",
      {s.account, s.region, name});
  if (!changed.ok()) return changed.error();
  if (*changed == 0) return std::optional<ClusterRow>();
  return GetCluster(s, name);
}

Result<TaskDefRow> EcsStore::Register(const Scope& s, const std::string& family, Value body,
                                      const Value& tags) {
  std::optional<TaskDefRow> out;
  Status st = db_.Transaction([&]() -> Status {
    int64_t revision = 1;
    Status q = db_.Query(
        "SELECT COALESCE(MAX(revision), 0) + 1 FROM ecs_task_definitions"
        " WHERE account=? AND region=? AND family=?",
        {s.account, s.region, family}, [&](const store::Row& r) {
          revision = r.Int(0);
          return false;
        });
    if (!q.ok()) return q;
    body["family"] = family;
    body["revision"] = revision;
    body["taskDefinitionArn"] =
        MakeArn("ecs", s, "task-definition/" + family + ":" + std::to_string(revision));
    body["status"] = "ACTIVE";
    body["registeredAt"] = NowSeconds(clock_);
    auto done = db_.Exec(
        "INSERT INTO ecs_task_definitions(account, region, family, revision, status, body, tags)"
        " VALUES(?,?,?,?,'ACTIVE',?,?)",
        {s.account, s.region, family, revision, body.dump(), tags.dump()});
    if (!done.ok()) return done.error();
    out = TaskDefRow{family, revision, "ACTIVE", std::move(body), tags};
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::move(*out);
}

Result<std::optional<TaskDefRow>> EcsStore::ReadRevision(
    const std::string& sql, std::initializer_list<store::Param> params) {
  std::optional<TaskDefRow> row;
  Status st = db_.Query(sql, params, [&](const store::Row& r) {
    row = TaskDefRow{r.Text(0), r.Int(1), r.Text(2), ParseJson(r.TextView(3)),
                     ParseJson(r.TextView(4))};
    return false;
  });
  if (!st.ok()) return st;
  return row;
}

Result<std::optional<TaskDefRow>> EcsStore::GetRevision(const Scope& s, const std::string& family,
                                                        int64_t revision) {
  return ReadRevision(
      "SELECT family, revision, status, body, tags FROM ecs_task_definitions"
      " WHERE account=? AND region=? AND family=? AND revision=?",
      {s.account, s.region, family, revision});
}

Result<std::optional<TaskDefRow>> EcsStore::Latest(const Scope& s, const std::string& family) {
  return ReadRevision(
      "SELECT family, revision, status, body, tags FROM ecs_task_definitions"
      " WHERE account=? AND region=? AND family=? AND status='ACTIVE'"
      " ORDER BY revision DESC LIMIT 1",
      {s.account, s.region, family});
}

Result<TaskDefRow> EcsStore::SetStatus(const Scope& s, TaskDefRow row, const std::string& status) {
  if (row.status == status) return row;
  row.status = status;
  row.body["status"] = status;
  if (status == "INACTIVE") row.body["deregisteredAt"] = NowSeconds(clock_);
  if (status == "DELETE_IN_PROGRESS") row.body["deleteRequestedAt"] = NowSeconds(clock_);
  auto done = db_.Exec(
      "UPDATE ecs_task_definitions SET status=?, body=? WHERE account=? AND region=?"
      " AND family=? AND revision=?",
      {status, row.body.dump(), s.account, s.region, row.family, row.revision});
  if (!done.ok()) return done.error();
  return row;
}

Result<std::vector<std::pair<std::string, int64_t>>> EcsStore::ListRevisions(
    const Scope& s, const std::string& family, const std::string& status, bool desc, int64_t offset,
    int limit) {
  std::vector<std::pair<std::string, int64_t>> out;
  auto on_row = [&](const store::Row& r) {
    out.emplace_back(r.Text(0), r.Int(1));
    return true;
  };
  // Two constant statements (SQL text is never assembled from input).
  Status st =
      desc ? db_.Query(
                 "SELECT family, revision FROM ecs_task_definitions WHERE account=?"
                 " AND region=? AND (?='' OR family=?) AND (?='' OR status=?)"
                 " ORDER BY family DESC, revision DESC LIMIT ? OFFSET ?",
                 {s.account, s.region, family, family, status, status, limit, offset}, on_row)
           : db_.Query(
                 "SELECT family, revision FROM ecs_task_definitions WHERE account=?"
                 " AND region=? AND (?='' OR family=?) AND (?='' OR status=?)"
                 " ORDER BY family, revision LIMIT ? OFFSET ?",
                 {s.account, s.region, family, family, status, status, limit, offset}, on_row);
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::string>> EcsStore::ListFamilies(const Scope& s, const std::string& prefix,
                                                        const std::string& status,
                                                        const std::string& after, int limit) {
  std::vector<std::string> out;
  Status st = db_.Query(
      "SELECT family, MAX(status='ACTIVE') FROM ecs_task_definitions WHERE account=?"
      " AND region=? AND substr(family, 1, length(?))=? AND family>? GROUP BY family"
      " HAVING ?='ALL' OR (?='ACTIVE') = MAX(status='ACTIVE') ORDER BY family LIMIT ?",
      {s.account, s.region, prefix, prefix, after, status, status, limit},
      [&](const store::Row& r) {
        out.push_back(r.Text(0));
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

}  // namespace nimbus::ecs
