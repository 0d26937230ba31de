#include "services/ecs/services/service_store.h"

#include "services/kit/arn.h"

namespace nimbus::ecs {
namespace {

const store::Migration kMigrations[] = {
    {1, "services-revisions-deployments",
     "CREATE TABLE ecs_services ("
     "  account TEXT NOT NULL, region TEXT NOT NULL, cluster TEXT NOT NULL, name TEXT NOT NULL,"
     "  status TEXT NOT NULL, updated_ms INTEGER NOT NULL, body TEXT NOT NULL,"
     "  tags TEXT NOT NULL DEFAULT '[]', state TEXT NOT NULL DEFAULT '{}',"
     "  PRIMARY KEY(account, region, cluster, name));"
     "CREATE TABLE ecs_service_revisions ("
     "  account TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL, body TEXT NOT NULL,"
     "  PRIMARY KEY(account, region, arn));"
     "CREATE TABLE ecs_service_deployments ("
     "  account TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL,"
     "  cluster TEXT NOT NULL, service TEXT NOT NULL, created_ms INTEGER NOT NULL,"
     "  body TEXT NOT NULL, PRIMARY KEY(account, region, arn));"
     "CREATE INDEX ecs_service_deployments_by_service"
     "  ON ecs_service_deployments(account, region, cluster, service, created_ms);"},
};

Value Parse(std::string_view text, Value fallback) {
  Value v = Value::parse(text, nullptr, false);
  return v.is_discarded() ? fallback : v;
}

int64_t Millis(const Value& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_number() ? static_cast<int64_t>(it->get<double>() * 1000) : 0;
}

}  // namespace

Status ServiceStore::Init() { return db_.Migrate("ecs_services", kMigrations); }

Result<std::shared_ptr<ServiceStore>> MakeServiceStore(store::Database& db) {
  auto s = std::make_shared<ServiceStore>(db);
  Status st = s->Init();
  if (!st.ok()) return st;
  return s;
}

Status ServiceStore::PutService(const Scope& s, const ServiceRow& row) {
  int64_t updated = 0;
  if (auto it = row.state.find("updatedMs"); it != row.state.end() && it->is_number_integer()) {
    updated = it->get<int64_t>();
  }
  auto done = db_.Exec(
      "INSERT INTO ecs_services(account, region, cluster, name, status, updated_ms, body, tags,"
      " state) VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(account, region, cluster, name) DO UPDATE"
      " SET status=excluded.status, updated_ms=excluded.updated_ms, body=excluded.body,"
      " tags=excluded.tags, state=excluded.state",
      {s.account, s.region, row.cluster, row.name, row.status, updated, row.body.dump(),
       row.tags.dump(), row.state.dump()});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::optional<ServiceRow>> ServiceStore::GetService(const Scope& s,
                                                           const std::string& cluster,
                                                           const std::string& name) {
  std::optional<ServiceRow> row;
  Status st = db_.Query(
      "SELECT status, body, tags, state FROM ecs_services"
      " WHERE account=? AND region=? AND cluster=? AND name=?",
      {s.account, s.region, cluster, name}, [&](const store::Row& r) {
        row = ServiceRow{cluster,
                         name,
                         r.Text(0),
                         Parse(r.TextView(1), Value::object()),
                         Parse(r.TextView(2), Value::array()),
                         Parse(r.TextView(3), Value::object())};
        return false;
      });
  if (!st.ok()) return st;
  return row;
}

Result<std::vector<std::string>> ServiceStore::ListServices(const Scope& s,
                                                            const std::string& cluster,
                                                            const std::string& after, int limit) {
  std::vector<std::string> names;
  Status st = db_.Query(
      "SELECT name FROM ecs_services WHERE account=? AND region=? AND cluster=? AND name>?"
      " AND status!='INACTIVE' ORDER BY name LIMIT ?",
      {s.account, s.region, cluster, after, static_cast<int64_t>(limit)}, [&](const store::Row& r) {
        names.push_back(r.Text(0));
        return true;
      });
  if (!st.ok()) return st;
  return names;
}

Result<std::vector<ServiceStore::Key>> ServiceStore::LiveServices() {
  std::vector<Key> keys;
  Status st = db_.Query(
      "SELECT account, region, cluster, name FROM ecs_services WHERE status!='INACTIVE'"
      " ORDER BY account, region, cluster, name",
      {}, [&](const store::Row& r) {
        keys.push_back(Key{Scope{r.Text(0), r.Text(1)}, r.Text(2), r.Text(3)});
        return true;
      });
  if (!st.ok()) return st;
  return keys;
}

Status ServiceStore::ForgetDeletedBefore(int64_t before_ms) {
  std::vector<Key> gone;
  Status st = db_.Query(
      "SELECT account, region, cluster, name FROM ecs_services WHERE status='INACTIVE'"
      " AND updated_ms<?",
      {before_ms}, [&](const store::Row& r) {
        gone.push_back(Key{Scope{r.Text(0), r.Text(1)}, r.Text(2), r.Text(3)});
        return true;
      });
  if (!st.ok() || gone.empty()) return st;
  return db_.Transaction([&]() -> Status {
    for (const Key& k : gone) {
      Status forgot = ForgetHistory(k.scope, k.cluster, k.name);
      if (!forgot.ok()) return forgot;
      auto done = db_.Exec(
          "DELETE FROM ecs_services WHERE account=? AND region=? AND cluster=? AND name=?"
          " AND status='INACTIVE'",
          {k.scope.account, k.scope.region, k.cluster, k.name});
      if (!done.ok()) return done.error();
    }
    return Status::Ok();
  });
}

Status ServiceStore::ForgetHistory(const Scope& s, const std::string& cluster,
                                   const std::string& name) {
  auto deployments = db_.Exec(
      "DELETE FROM ecs_service_deployments WHERE account=? AND region=? AND cluster=?"
      " AND service=?",
      {s.account, s.region, cluster, name});
  if (!deployments.ok()) return deployments.error();
  // Revision ARNs name their service: ...:service-revision/<cluster>/<service>/<id>.
  std::string prefix = MakeArn("ecs", s, "service-revision/" + cluster + "/" + name + "/");
  auto revisions = db_.Exec(
      "DELETE FROM ecs_service_revisions WHERE account=? AND region=?"
      " AND substr(arn, 1, length(?))=?",
      {s.account, s.region, prefix, prefix});
  return revisions.ok() ? Status::Ok() : revisions.error();
}

Status ServiceStore::PutRevision(const Scope& s, const std::string& arn, const Value& body) {
  auto done = db_.Exec(
      "INSERT OR REPLACE INTO ecs_service_revisions(account, region, arn, body) VALUES(?,?,?,?)",
      {s.account, s.region, arn, body.dump()});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::optional<Value>> ServiceStore::GetRevision(const Scope& s, const std::string& arn) {
  std::optional<Value> body;
  Status st =
      db_.Query("SELECT body FROM ecs_service_revisions WHERE account=? AND region=? AND arn=?",
                {s.account, s.region, arn}, [&](const store::Row& r) {
                  body = Parse(r.TextView(0), Value::object());
                  return false;
                });
  if (!st.ok()) return st;
  return body;
}

Status ServiceStore::PutDeployment(const Scope& s, const std::string& arn,
                                   const std::string& cluster, const std::string& service,
                                   const Value& body) {
  auto done = db_.Exec(
      "INSERT INTO ecs_service_deployments(account, region, arn, cluster, service, created_ms,"
      " body) VALUES(?,?,?,?,?,?,?) ON CONFLICT(account, region, arn) DO UPDATE SET"
      " body=excluded.body",
      {s.account, s.region, arn, cluster, service, Millis(body, "createdAt"), body.dump()});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::optional<Value>> ServiceStore::GetDeployment(const Scope& s, const std::string& arn) {
  std::optional<Value> body;
  Status st =
      db_.Query("SELECT body FROM ecs_service_deployments WHERE account=? AND region=? AND arn=?",
                {s.account, s.region, arn}, [&](const store::Row& r) {
                  body = Parse(r.TextView(0), Value::object());
                  return false;
                });
  if (!st.ok()) return st;
  return body;
}

Result<std::vector<Value>> ServiceStore::Deployments(const Scope& s, const std::string& cluster,
                                                     const std::string& service) {
  std::vector<Value> out;
  Status st = db_.Query(
      "SELECT body FROM ecs_service_deployments WHERE account=? AND region=? AND cluster=?"
      " AND service=? ORDER BY created_ms DESC, rowid DESC",
      {s.account, s.region, cluster, service}, [&](const store::Row& r) {
        out.push_back(Parse(r.TextView(0), Value::object()));
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<TaskRow>> ServiceStore::ServiceTasks(const Scope& s, const std::string& cluster,
                                                        const std::string& name) {
  std::vector<TaskRow> out;
  Status st = db_.Query(
      "SELECT id, body, tags FROM ecs_tasks WHERE account=? AND region=? AND cluster=?"
      " AND task_group=? AND last_status!='STOPPED' ORDER BY created_ms, id",
      {s.account, s.region, cluster, "service:" + name}, [&](const store::Row& r) {
        out.push_back(TaskRow{r.Text(0), cluster, Parse(r.TextView(1), Value::object()),
                              Parse(r.TextView(2), Value::array())});
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

}  // namespace nimbus::ecs
