// Task operations: run (count, overrides, tags), start (no container instances exist), stop,
// describe (failures for missing ones), list (filters, pages). Running happens in the
// TaskRuntime; these write the task first and answer with what they wrote.
#include <algorithm>

#include "services/ecs/ops.h"
#include "services/ecs/task_json.h"
#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"

namespace nimbus::ecs::ops {
namespace {

constexpr int64_t kStoppedTaskMillis = 3600 * 1000;  // stopped tasks are describable for 1 h

AwsError Invalid(std::string message) {
  return AwsError("InvalidParameterException", std::move(message));
}

double NowSeconds(const EcsStore& s) { return static_cast<double>(s.clock().NowMillis()) / 1000; }

// Forgets tasks stopped over an hour ago (cheap: an indexed delete), as AWS stops showing them.
void ForgetOldTasks(EcsStore& s) {
  (void)s.ForgetStoppedBefore(s.clock().NowMillis() - kStoppedTaskMillis);
}

Value TaskOut(const TaskRow& row, bool with_tags) {
  Value out = row.body;
  if (with_tags) out["tags"] = row.tags;
  return out;
}

// The definition a run names, ACTIVE, or AWS's ClientException.
Result<TaskDefRow, AwsError> RunnableDefinition(EcsStore& s, const CallContext& call,
                                                const Value& in) {
  auto td = LookupTaskDefinition(s, call, Str(in, "taskDefinition"));
  if (!td.ok()) return InternalError("ServerException", td.error());
  if (!*td || (*td)->status == "DELETE_IN_PROGRESS") {
    return AwsError("ClientException", "TaskDefinition not found.");
  }
  if ((*td)->status != "ACTIVE") return AwsError("ClientException", "TaskDefinition is inactive");
  return std::move(**td);
}

// The definition a task runs: an awslogs container without a `mode` option gets the account's
// defaultLogDriverMode (non-blocking unless the account changed it: AWS's default since June
// 2025), as ECS fills it in at launch; the registered definition keeps what was registered.
Value WithDefaultLogMode(Value td, const std::string& mode) {
  if (mode.empty() || !td.contains("containerDefinitions")) return td;
  for (Value& c : td["containerDefinitions"]) {
    if (!c.is_object() || !c.contains("logConfiguration")) continue;
    Value& lc = c["logConfiguration"];
    if (!lc.is_object() || Str(lc, "logDriver") != "awslogs") continue;
    Value& options = lc["options"];
    if (options.is_null()) options = Value::object();
    if (options.is_object() && !options.contains("mode")) options["mode"] = mode;
  }
  return td;
}

}  // namespace

Result<std::optional<TaskRow>, AwsError> FindTask(EcsStore& s, const CallContext& call,
                                                  const std::string& cluster,
                                                  const std::string& text) {
  auto ref = ParseTaskRef(ScopeOf(call), text);
  if (!ref) return std::optional<TaskRow>();
  if (!ref->cluster.empty() && ref->cluster != cluster) {
    return Invalid("Invalid identifier: Identifier is for cluster " + ref->cluster +
                   ". Your cluster is " + cluster);
  }
  auto row = s.GetTask(ScopeOf(call), ref->id);
  if (!row.ok()) return InternalError("ServerException", row.error());
  if (*row && (*row)->cluster != cluster) return std::optional<TaskRow>();
  return std::move(*row);
}

OpResult RunTask(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto td = RunnableDefinition(s, call, in);
  if (!td.ok()) return td.error();
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  int64_t count = Int(in, "count", 1);
  if (count < 1 || count > 10) return Invalid("count must be between 1 and 10.");
  auto checked = CheckRunRequest(td->body, in);
  if (!checked.ok()) return checked.error();
  auto rows = StartTasks(e, call, *td, *cluster, in, count, {});
  if (!rows.ok()) return rows.error();
  Value tasks = Value::array();
  for (const TaskRow& row : *rows) tasks.push_back(TaskOut(row, !row.tags.empty()));
  return Value{{"tasks", tasks}, {"failures", Value::array()}};
}

Result<std::vector<TaskRow>, AwsError> StartTasks(
    EcsState& e, const CallContext& call, const TaskDefRow& td, const std::string& cluster,
    const Value& in, int64_t count, const std::map<std::string, std::string>& pinned_images) {
  EcsStore& s = *e.store;
  Value tags = Member(in, "tags") ? in["tags"] : Value::array();
  if (Str(in, "propagateTags") == "TASK_DEFINITION") {
    for (const Value& t : td.tags) tags.push_back(t);
  }
  NewTaskInput made{ScopeOf(call), cluster, td.body, in, NowSeconds(s)};
  std::vector<TaskRow> rows;
  for (int64_t i = 0; i < count; ++i) {
    std::string id = RandomHex(32);
    rows.push_back(TaskRow{id, cluster, NewTask(made, id, SystemRandom()), tags});
    Status put = s.PutTask(ScopeOf(call), rows.back());
    if (!put.ok()) return InternalError("ServerException", put);
  }
  Value launched =
      WithDefaultLogMode(td.body, EffectiveAccountSetting(e, call, "defaultLogDriverMode"));
  for (const TaskRow& row : rows) {
    TaskLaunch launch{ScopeOf(call), row.id, row.body, launched, in};
    launch.pinned_images = pinned_images;
    e.runtime->Start(std::move(launch));
  }
  return rows;
}

OpResult StartTask(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto td = RunnableDefinition(s, call, in);
  if (!td.ok()) return td.error();
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  const Value* instances = Member(in, "containerInstances");
  if (instances == nullptr || !instances->is_array() || instances->empty() ||
      instances->size() > 10) {
    return Invalid("containerInstances must contain between 1 and 10 container instances.");
  }
  // nimbus registers no container instances (tasks run as RunTask runs them): each is missing.
  Value failures = Value::array();
  for (const Value& ref : *instances) {
    std::string text = ref.is_string() ? ref.get<std::string>() : "";
    std::string arn =
        text.rfind("arn:", 0) == 0
            ? text
            : MakeArn("ecs", ScopeOf(call), "container-instance/" + *cluster + "/" + text);
    failures.push_back({{"arn", arn}, {"reason", "MISSING"}});
  }
  return Value{{"tasks", Value::array()}, {"failures", failures}};
}

OpResult StopTask(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  auto found = FindTask(s, call, *cluster, Str(in, "task"));
  if (!found.ok()) return found.error();
  if (!*found) return Invalid("The referenced task was not found.");
  std::string reason = Str(in, "reason", "Task stopped by user");
  if (reason.size() > 255) reason.resize(255);
  auto body = StopTaskAs(e, ScopeOf(call), (*found)->id, "UserInitiated", reason);
  if (!body.ok()) return body.error();
  if (!*body) return Invalid("The referenced task was not found.");
  return Value{{"task", **body}};
}

Result<std::optional<Value>, AwsError> StopTaskAs(EcsState& e, const Scope& scope,
                                                  const std::string& id,
                                                  const std::string& stop_code,
                                                  const std::string& reason) {
  EcsStore& s = *e.store;
  double now = NowSeconds(s);
  bool stopping = false;
  auto body = s.UpdateTask(scope, id, [&](Value& task) {
    if (task["desiredStatus"] == "STOPPED") return false;
    task["desiredStatus"] = "STOPPED";
    task["stopCode"] = stop_code;
    task["stoppedReason"] = reason;
    task["stoppingAt"] = now;
    task["version"] = Int(task, "version") + 1;
    stopping = true;
    return true;
  });
  if (!body.ok()) return InternalError("ServerException", body.error());
  if (stopping) {
    // StopTask deletes the task's tags, as AWS does.
    Status untag = s.SetTaskTags(scope, id, Value::array());
    if (!untag.ok()) return InternalError("ServerException", untag);
    e.runtime->Stop(scope, id);
  }
  return std::move(*body);
}

OpResult DescribeTasks(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  const Value* refs = Member(in, "tasks");
  if (refs == nullptr || !refs->is_array() || refs->empty()) {
    return Invalid("Tasks cannot be empty.");
  }
  if (refs->size() > 100) return Invalid("Tasks cannot have more than 100 elements.");
  ForgetOldTasks(s);
  bool tags = Includes(in, "TAGS");
  Value tasks = Value::array(), failures = Value::array();
  for (const Value& ref : *refs) {
    std::string text = ref.is_string() ? ref.get<std::string>() : "";
    auto found = FindTask(s, call, *cluster, text);
    if (!found.ok()) return found.error();
    if (*found) {
      tasks.push_back(TaskOut(**found, tags));
    } else {
      std::string arn = text.rfind("arn:", 0) == 0 ? text : TaskArn(ScopeOf(call), *cluster, text);
      failures.push_back({{"arn", arn}, {"reason", "MISSING"}});
    }
  }
  return Value{{"tasks", tasks}, {"failures", failures}};
}

OpResult ListTasks(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  auto limit = PageSize(in);
  if (!limit.ok()) return limit.error();
  int64_t offset = 0;
  if (auto token = OptStr(in, "nextToken")) {
    auto decoded = DecodeOffsetToken(*token);
    if (!decoded) return Invalid("Invalid token");
    offset = static_cast<int64_t>(*decoded);
  }
  std::string desired = Str(in, "desiredStatus", "RUNNING");
  if (desired != "RUNNING" && desired != "PENDING" && desired != "STOPPED") {
    return Invalid("desiredStatus must be one of RUNNING, PENDING, STOPPED.");
  }
  std::string launch = Str(in, "launchType");
  if (!launch.empty() && launch != "EC2" && launch != "FARGATE" && launch != "EXTERNAL") {
    return Invalid("launchType must be one of EC2, FARGATE, EXTERNAL.");
  }
  if (Member(in, "serviceName") && Member(in, "startedBy")) {
    return Invalid("startedBy and serviceName cannot be specified together.");
  }
  ForgetOldTasks(s);
  Value arns = Value::array();
  Value out = Value::object();
  // No task is ever PENDING as a desired status; no container instances exist.
  if (desired != "PENDING" && !Member(in, "containerInstance")) {
    TaskFilter f{*cluster, Str(in, "family"), Str(in, "startedBy"), launch, "", desired};
    if (auto service = OptStr(in, "serviceName")) f.group = "service:" + *service;
    auto ids = s.ListTasks(ScopeOf(call), f, offset, *limit + 1);
    if (!ids.ok()) return InternalError("ServerException", ids.error());
    bool more = static_cast<int>(ids->size()) > *limit;
    if (more) ids->pop_back();
    for (const std::string& id : *ids) arns.push_back(TaskArn(ScopeOf(call), *cluster, id));
    if (more) out["nextToken"] = EncodeOffsetToken(static_cast<size_t>(offset + *limit));
  }
  out["taskArns"] = arns;
  return out;
}

}  // namespace nimbus::ecs::ops
