// EcsStore's tasks, resource tags and account settings (the schema is in ecs_store.cc).
#include "services/ecs/ecs_store.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

Value ParseBody(std::string_view text) {
  Value v = Value::parse(text, nullptr, false);
  return v.is_discarded() ? Value::object() : v;
}

Value ParseList(std::string_view text) {
  Value v = Value::parse(text, nullptr, false);
  return v.is_discarded() ? Value::array() : v;
}

// The family of "arn:...:task-definition/family:revision".
std::string FamilyOf(const Value& body) {
  std::string arn = Str(body, "taskDefinitionArn");
  size_t slash = arn.rfind('/');
  std::string rest = slash == std::string::npos ? arn : arn.substr(slash + 1);
  return rest.substr(0, rest.find(':'));
}

// Epoch ms of a timestamp member (seconds, as the model's timestamps), 0 when unset.
int64_t Millis(const Value& body, const char* key) {
  const Value* v = Member(body, key);
  return v != nullptr && v->is_number() ? static_cast<int64_t>(v->get<double>() * 1000.0) : 0;
}

const char kSelectTask[] =
    "SELECT id, cluster, body, tags FROM ecs_tasks WHERE account=? AND region=? AND id=?";

}  // namespace

Status EcsStore::PutTask(const Scope& s, const TaskRow& row) {
  const Value& b = row.body;
  auto done = db_.Exec(
      "INSERT INTO ecs_tasks(account, region, id, cluster, family, started_by, launch_type,"
      " task_group, desired_status, last_status, created_ms, stopped_ms, body, tags)"
      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(account, region, id) DO UPDATE SET"
      " desired_status=excluded.desired_status, last_status=excluded.last_status,"
      " stopped_ms=excluded.stopped_ms, body=excluded.body, tags=excluded.tags",
      {s.account, s.region, row.id, row.cluster, FamilyOf(b), Str(b, "startedBy"),
       Str(b, "launchType"), Str(b, "group"), Str(b, "desiredStatus"), Str(b, "lastStatus"),
       Millis(b, "createdAt"), Millis(b, "stoppedAt"), b.dump(), row.tags.dump()});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::optional<TaskRow>> EcsStore::GetTask(const Scope& s, const std::string& id) {
  std::optional<TaskRow> row;
  Status st = db_.Query(kSelectTask, {s.account, s.region, id}, [&](const store::Row& r) {
    row = TaskRow{r.Text(0), r.Text(1), ParseBody(r.TextView(2)), ParseList(r.TextView(3))};
    return false;
  });
  if (!st.ok()) return st;
  return row;
}

Result<std::optional<Value>> EcsStore::UpdateTask(const Scope& s, const std::string& id,
                                                  const std::function<bool(Value&)>& change) {
  std::optional<Value> out;
  Status st = db_.Transaction([&]() -> Status {
    auto row = GetTask(s, id);
    if (!row.ok()) return row.error();
    if (!*row) return Status::Ok();
    if (change((*row)->body)) NIMBUS_RETURN_IF_ERROR(PutTask(s, **row));
    out = std::move((*row)->body);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Status EcsStore::SetTaskTags(const Scope& s, const std::string& id, const Value& tags) {
  auto done = db_.Exec("UPDATE ecs_tasks SET tags=? WHERE account=? AND region=? AND id=?",
                       {tags.dump(), s.account, s.region, id});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::vector<std::string>> EcsStore::ListTasks(const Scope& s, const TaskFilter& f,
                                                     int64_t offset, int limit) {
  std::vector<std::string> ids;
  Status st = db_.Query(
      "SELECT id FROM ecs_tasks WHERE account=? AND region=? AND cluster=?"
      " AND (?='' OR family=?) AND (?='' OR started_by=?) AND (?='' OR launch_type=?)"
      " AND (?='' OR task_group=?) AND (?='' OR desired_status=?)"
      " ORDER BY created_ms DESC, id LIMIT ? OFFSET ?",
      {s.account, s.region, f.cluster, f.family, f.family, f.started_by, f.started_by,
       f.launch_type, f.launch_type, f.group, f.group, f.desired_status, f.desired_status, limit,
       offset},
      [&](const store::Row& r) {
        ids.push_back(r.Text(0));
        return true;
      });
  if (!st.ok()) return st;
  return ids;
}

Result<std::vector<std::pair<Scope, TaskRow>>> EcsStore::UnstoppedTasks() {
  std::vector<std::pair<Scope, TaskRow>> out;
  Status st = db_.Query(
      "SELECT account, region, id, cluster, body, tags FROM ecs_tasks"
      " WHERE last_status<>'STOPPED'",
      {}, [&](const store::Row& r) {
        out.emplace_back(
            Scope{r.Text(0), r.Text(1)},
            TaskRow{r.Text(2), r.Text(3), ParseBody(r.TextView(4)), ParseList(r.TextView(5))});
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> EcsStore::ForgetStoppedBefore(int64_t before_ms) {
  return db_.Exec("DELETE FROM ecs_tasks WHERE last_status='STOPPED' AND stopped_ms<?",
                  {before_ms});
}

Result<bool> EcsStore::SetClusterTags(const Scope& s, const std::string& name, const Value& tags) {
  auto n = db_.Exec("UPDATE ecs_clusters SET tags=? WHERE account=? AND region=? AND name=?",
                    {tags.dump(), s.account, s.region, name});
  if (!n.ok()) return n.error();
  return *n > 0;
}

Result<bool> EcsStore::SetTaskDefTags(const Scope& s, const std::string& family, int64_t revision,
                                      const Value& tags) {
  auto n = db_.Exec(
      "UPDATE ecs_task_definitions SET tags=? WHERE account=? AND region=? AND family=?"
      " AND revision=?",
      {tags.dump(), s.account, s.region, family, revision});
  if (!n.ok()) return n.error();
  return *n > 0;
}

Status EcsStore::PutSetting(const Scope& s, const AccountSettingRow& row) {
  auto done = db_.Exec(
      "INSERT INTO ecs_account_settings(account, region, name, principal, value)"
      " VALUES(?,?,?,?,?) ON CONFLICT(account, region, name, principal) DO UPDATE SET"
      " value=excluded.value",
      {s.account, s.region, row.name, row.principal, row.value});
  return done.ok() ? Status::Ok() : done.error();
}

Status EcsStore::DeleteSetting(const Scope& s, const std::string& name,
                               const std::string& principal) {
  auto done = db_.Exec(
      "DELETE FROM ecs_account_settings WHERE account=? AND region=? AND name=? AND principal=?",
      {s.account, s.region, name, principal});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::vector<AccountSettingRow>> EcsStore::Settings(const Scope& s) {
  std::vector<AccountSettingRow> out;
  Status st = db_.Query(
      "SELECT name, value, principal FROM ecs_account_settings WHERE account=? AND region=?"
      " ORDER BY name, principal",
      {s.account, s.region}, [&](const store::Row& r) {
        out.push_back({r.Text(0), r.Text(1), r.Text(2)});
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

}  // namespace nimbus::ecs
