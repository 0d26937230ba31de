// One scheduler pass over one service: account for tasks that stopped, pin the primary
// deployment's images, trip the circuit breaker, plan the rollout (rollout.h), start and stop
// tasks, then write counts, rollout states, records and events.
#include <cstdio>
#include <optional>
#include <set>

#include "services/ecs/ops.h"
#include "services/ecs/services/image_pins.h"
#include "services/ecs/services/rollout.h"
#include "services/ecs/services/scheduler.h"
#include "services/ecs/services/service_json.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

constexpr char kUnhealthyReason[] = "Task failed container health checks";

CallContext CallFor(const Scope& scope) {
  CallContext call;
  call.account_id = scope.account;
  call.region = scope.region;
  call.service = "ecs";
  return call;
}

void Log(const std::string& service, const std::string& what) {
  std::fprintf(stderr, "nimbus: ecs service %s: %s\n", service.c_str(), what.c_str());
}

// Whether a stopped task counts against its deployment (circuit breaker, failedTasks).
bool CountsAsFailure(const Value& task) {
  std::string code = Str(task, "stopCode");
  if (code == "TaskFailedToStart" || code == "EssentialContainerExited") return true;
  return code == "ServiceSchedulerInitiated" && Str(task, "stoppedReason") == kUnhealthyReason;
}

bool HasHealthCheck(const Value& task) {
  for (const Value& c : task.value("containers", Value::array())) {
    if (c.contains("healthStatus")) return true;
  }
  return false;
}

// The rollout's view of one stored task.
RolloutTask ViewOf(const TaskRow& row, double now, const ServiceTiming& timing, int64_t grace) {
  const Value& t = row.body;
  RolloutTask v;
  v.id = row.id;
  v.deployment = Str(t, "startedBy");
  v.wanted = Str(t, "desiredStatus") == "RUNNING";
  v.running = Str(t, "lastStatus") == "RUNNING";
  v.created = t.value("createdAt", 0.0);
  double up = now - t.value("startedAt", now);
  if (!v.running) return v;
  std::string health = Str(t, "healthStatus", "UNKNOWN");
  if (health == "HEALTHY") {
    v.healthy = true;
  } else if (health == "UNHEALTHY") {
    v.unhealthy = up >= static_cast<double>(grace);
  } else if (!HasHealthCheck(t)) {
    v.healthy = up * 1000 >= static_cast<double>(timing.healthy_after_ms);
  }
  return v;
}

std::string TaskList(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : " ") + ("(task " + id + ")");
  return out;
}

Value* FindEntry(Value& deployments, const std::string& id) {
  for (Value& d : deployments) {
    if (Str(d, "id") == id) return &d;
  }
  return nullptr;
}

// A primary deployment's images, resolved before the pass takes the service lock (resolving
// may reach another registry and take long).
struct ResolvedPins {
  std::string deployment, task_definition;
  ImagePins pins;
};

// The pins the primary deployment of `row` still needs, or nullopt when it has them.
std::optional<ResolvedPins> ResolveMissingPins(EcsState& e, image::ImageCache* images,
                                               const Scope& scope, const ServiceRow& row) {
  const Value deployments = row.body.value("deployments", Value::array());
  if (deployments.empty() || row.status != "ACTIVE") return std::nullopt;
  std::string id = Str(deployments[0], "id");
  const Value* known = Member(row.state, "deployments");
  const Value* info = known ? Member(*known, id.c_str()) : nullptr;
  if (info == nullptr || Bool(*info, "pinned")) return std::nullopt;
  std::string arn = Str(deployments[0], "taskDefinition");
  auto td = ops::LookupTaskDefinition(*e.store, CallFor(scope), arn);
  if (!td.ok() || !*td) return std::nullopt;
  return ResolvedPins{id, arn, PinImages(images, scope, (*td)->body)};
}

class Pass {
 public:
  Pass(EcsState& e, image::ImageCache* images, const Scope& scope, ServiceRow& row,
       std::optional<ResolvedPins> resolved)
      : e_(e),
        images_(images),
        scope_(scope),
        row_(row),
        body_(row.body),
        state_(row.state),
        resolved_(std::move(resolved)) {
    now_ms_ = e.store->clock().NowMillis();
    now_ = static_cast<double>(now_ms_) / 1000;
    if (!state_["deployments"].is_object()) state_["deployments"] = Value::object();
  }

  void Run() {
    auto tasks = e_.services->store->ServiceTasks(scope_, row_.cluster, row_.name);
    if (!tasks.ok()) return Log(row_.name, tasks.error().ToString());
    tasks_ = std::move(*tasks);
    AccountStopped();
    Value& deployments = body_["deployments"];
    primary_ = deployments.empty() ? "" : Str(deployments[0], "id");
    bool draining = row_.status == "DRAINING";
    if (!primary_.empty() && !draining) PinPrimary();
    if (!primary_.empty() && !draining) CircuitBreaker();
    RolloutInput in;
    in.desired = Int(body_, "desiredCount");
    const Value config = body_.value("deploymentConfiguration", Value::object());
    in.maximum_percent = Int(config, "maximumPercent", 200);
    in.minimum_healthy_percent = Int(config, "minimumHealthyPercent", 100);
    in.primary = primary_;
    in.draining = draining;
    in.may_launch = MayLaunch();
    int64_t grace = Int(body_, "healthCheckGracePeriodSeconds", 0);
    for (const TaskRow& t : tasks_) {
      in.tasks.push_back(ViewOf(t, now_, e_.services->timing, grace));
      const RolloutTask& v = in.tasks.back();
      if (v.healthy && v.deployment == primary_) {
        Info(primary_)["failed"] = 0;  // failedTasks counts consecutive failures
      }
      if (v.running && state_["deployments"].contains(v.deployment)) {
        ClearThrottle(Info(v.deployment));
      }
    }
    RolloutPlan plan = PlanRollout(in);
    Stop(plan.stop);
    if (plan.start > 0) Start(plan.start);
    Tally(in);
  }

 private:
  Value& Info(const std::string& id) { return state_["deployments"][id]; }

  // Tasks the service launched that have stopped since the last pass: failures count.
  void AccountStopped() {
    std::set<std::string> live;
    for (const TaskRow& t : tasks_) live.insert(t.id);
    Value& deployments = body_["deployments"];
    for (auto it = state_["deployments"].begin(); it != state_["deployments"].end(); ++it) {
      Value kept = Value::array();
      Value* entry = FindEntry(deployments, it.key());
      for (const Value& id : it.value().value("tasks", Value::array())) {
        std::string tid = id.get<std::string>();
        if (live.count(tid)) {
          kept.push_back(tid);
          continue;
        }
        auto task = e_.store->GetTask(scope_, tid);
        if (!task.ok() || !*task || entry == nullptr) continue;
        const Value& body = (*task)->body;
        if (Str(*entry, "rolloutState") == "IN_PROGRESS" && CountsAsFailure(body)) {
          it.value()["failed"] = Int(it.value(), "failed") + 1;  // the circuit breaker's count
        }
        if (!body.contains("startedAt") && Str(body, "stopCode") == "TaskFailedToStart") {
          Throttle(it.value());
        }
      }
      it.value()["tasks"] = kept;
    }
  }

  // AWS's service throttle logic: a deployment whose tasks keep failing before RUNNING waits
  // longer before each new launch (here 1 s more per failure in a row, up to AWS's 15 min)
  // and says so once; a task that reaches RUNNING ends it (ClearThrottle).
  void Throttle(Value& info) {
    int64_t failures = Int(info, "startFailures") + 1;
    info["startFailures"] = failures;
    info["retryAtMs"] = now_ms_ + std::min<int64_t>(failures, 900) * 1000;
    if (failures >= 2 && !Bool(info, "throttled")) {
      info["throttled"] = true;
      AddEvent(body_, ServicePrefix(body_) + " is unable to consistently start tasks successfully.",
               now_, SystemRandom());
    }
  }

  void ClearThrottle(Value& info) {
    info.erase("startFailures");
    info.erase("retryAtMs");
    info.erase("throttled");
  }

  void PinPrimary() {
    Value& info = Info(primary_);
    if (Bool(info, "pinned")) return;
    Value* entry = FindEntry(body_["deployments"], primary_);
    std::string arn = entry ? Str(*entry, "taskDefinition") : "";
    ImagePins pins;
    if (resolved_ && resolved_->deployment == primary_ && resolved_->task_definition == arn) {
      pins = std::move(resolved_->pins);
    } else {  // the service changed since: resolve now
      auto td = ops::LookupTaskDefinition(*e_.store, CallFor(scope_), arn);
      if (!td.ok() || !*td) return;
      pins = PinImages(images_, scope_, (*td)->body);
    }
    info["pins"] = Value::object();
    for (const auto& [name, ref] : pins.pins) info["pins"][name] = ref;
    info["pinned"] = true;
    std::string revision_arn = Str(info, "revision");
    auto revision = e_.services->store->GetRevision(scope_, revision_arn);
    if (revision.ok() && *revision) {
      (**revision)["containerImages"] = pins.container_images;
      (void)e_.services->store->PutRevision(scope_, revision_arn, **revision);
    }
  }

  void CircuitBreaker() {
    Value* entry = FindEntry(body_["deployments"], primary_);
    const Value config = body_.value("deploymentConfiguration", Value::object());
    const Value breaker = config.value("deploymentCircuitBreaker", Value::object());
    if (entry == nullptr || !Bool(breaker, "enable")) return;
    if (Str(*entry, "rolloutState") != "IN_PROGRESS") return;
    int64_t failed = Int(Info(primary_), "failed");
    if (failed < FailureThreshold(Int(body_, "desiredCount"))) return;
    (*entry)["rolloutState"] = "FAILED";
    (*entry)["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start.";
    (*entry)["updatedAt"] = now_;
    AddEvent(body_,
             ServicePrefix(body_) + " (deployment " + primary_ +
                 ") deployment failed: tasks failed to start.",
             now_, SystemRandom());
    std::string record_arn = Str(Info(primary_), "serviceDeployment");
    const Value stable = state_.value("stable", Value());
    bool rollback = Bool(breaker, "rollback") && stable.is_object();
    UpdateRecord(record_arn, [&](Value& r) {
      r["status"] = rollback ? "ROLLBACK_IN_PROGRESS" : "STOPPED";
      r["statusReason"] = "ECS deployment circuit breaker: tasks failed to start.";
      r["deploymentCircuitBreaker"]["status"] = "TRIGGERED";
      r["deploymentCircuitBreaker"]["failureCount"] = failed;
      r["updatedAt"] = now_;
      if (!rollback) r["stoppedAt"] = now_;
      if (rollback) {
        r["rollback"] = {{"reason", "ECS deployment circuit breaker: tasks failed to start."},
                         {"startedAt", now_},
                         {"serviceRevisionArn", Str(stable, "revision")}};
      }
    });
    if (!rollback) return;
    // Roll back as AWS does: the last completed deployment is PRIMARY again, under its own id,
    // so its tasks still running stay ("rolling back to deployment X", then "(deployment X)
    // deployment completed." once the service is steady); the failed one drains as ACTIVE.
    auto revision = e_.services->store->GetRevision(scope_, Str(stable, "revision"));
    if (!revision.ok() || !*revision) return;
    const std::string stable_id = Str(stable, "id");
    const Value previous = state_["deployments"].value(stable_id, Value::object());
    std::optional<double> created;
    Value rest = Value::array();
    for (Value& d : body_["deployments"]) {
      if (Str(d, "id") != stable_id) {
        rest.push_back(std::move(d));
      } else if (d.contains("createdAt") && d["createdAt"].is_number()) {
        created = d["createdAt"].get<double>();
      }
    }
    body_["deployments"] = std::move(rest);
    DeploymentSpec spec;
    spec.task_definition = Str(**revision, "taskDefinition");
    spec.launch_type = Str(**revision, "launchType", "EC2");
    spec.platform_version = Str(**revision, "platformVersion");
    spec.network_configuration = (*revision)->value("networkConfiguration", Value());
    spec.desired_count = Int(body_, "desiredCount");
    NewDeployment made = MakeDeployment(scope_, body_, state_, spec, now_, SystemRandom());
    made.id = stable_id;
    made.entry["id"] = stable_id;
    if (created) made.entry["createdAt"] = *created;
    made.revision_arn = Str(stable, "revision");
    made.service_deployment_arn = record_arn;
    made.entry["rolloutStateReason"] =
        "ECS deployment circuit breaker: rolling back to deploymentId " + stable_id + ".";
    AddDeployment(body_, state_, made);
    Value& info = Info(stable_id);
    info["tasks"] = previous.value("tasks", Value::array());
    info["pins"] = stable.value("pins", Value::object());
    info["pinned"] = true;
    info["rollback"] = true;
    primary_ = stable_id;
    AddEvent(body_, ServicePrefix(body_) + " rolling back to deployment " + stable_id + ".", now_,
             SystemRandom());
  }

  bool MayLaunch() {
    Value* entry = FindEntry(body_["deployments"], primary_);
    if (entry == nullptr || Str(*entry, "rolloutState") == "FAILED") return false;
    return now_ms_ >= Int(Info(primary_), "retryAtMs", 0);
  }

  void Stop(const std::vector<RolloutStop>& stops) {
    std::vector<std::string> stopped;
    for (const RolloutStop& s : stops) {
      std::string reason = s.why == StopWhy::kUnhealthy
                               ? kUnhealthyReason
                               : "Scaling activity initiated by (deployment " + primary_ + ")";
      auto done = ops::StopTaskAs(e_, scope_, s.id, "ServiceSchedulerInitiated", reason);
      if (!done.ok()) {
        Log(row_.name, done.error().message);
        continue;
      }
      if (s.why == StopWhy::kUnhealthy) {
        AddEvent(body_,
                 ServicePrefix(body_) + " (task " + s.id + ") failed container health checks.",
                 now_, SystemRandom());
      }
      stopped.push_back(s.id);
      for (TaskRow& t : tasks_) {
        if (t.id == s.id && *done) t.body = **done;
      }
    }
    if (stopped.empty()) return;
    state_["steady"] = false;
    AddEvent(body_,
             ServicePrefix(body_) + " has stopped " + std::to_string(stopped.size()) +
                 " running tasks: " + TaskList(stopped) + ".",
             now_, SystemRandom());
  }

  void Start(int64_t count) {
    Value* entry = FindEntry(body_["deployments"], primary_);
    if (entry == nullptr) return;
    CallContext call = CallFor(scope_);
    auto td = ops::LookupTaskDefinition(*e_.store, call, Str(*entry, "taskDefinition"));
    if (!td.ok() || !*td) {
      Log(row_.name, "task definition " + Str(*entry, "taskDefinition") + " is gone");
      return;
    }
    Value in = {{"cluster", row_.cluster},
                {"taskDefinition", Str(*entry, "taskDefinition")},
                {"launchType", Str(*entry, "launchType", "EC2")},
                {"startedBy", primary_},
                {"group", "service:" + row_.name},
                {"enableExecuteCommand", Bool(body_, "enableExecuteCommand")}};
    if (auto pv = OptStr(*entry, "platformVersion")) in["platformVersion"] = *pv;
    if (const Value* net = Member(*entry, "networkConfiguration")) {
      in["networkConfiguration"] = *net;
    }
    std::string propagate = Str(body_, "propagateTags", "NONE");
    if (propagate == "TASK_DEFINITION") in["propagateTags"] = "TASK_DEFINITION";
    Value tags = propagate == "SERVICE" ? row_.tags : Value::array();
    if (Bool(body_, "enableECSManagedTags")) {  // what ECS adds to a service's tasks
      tags.push_back({{"key", "aws:ecs:clusterName"}, {"value", row_.cluster}});
      tags.push_back({{"key", "aws:ecs:serviceName"}, {"value", row_.name}});
    }
    if (!tags.empty()) in["tags"] = tags;
    Value& info = Info(primary_);
    auto rows = ops::StartTasks(e_, call, **td, row_.cluster, in, count, PinsOf(info["pins"]));
    if (!rows.ok()) return Log(row_.name, rows.error().message);
    std::vector<std::string> ids;
    for (TaskRow& r : *rows) {
      ids.push_back(r.id);
      info["tasks"].push_back(r.id);
      tasks_.push_back(std::move(r));
    }
    state_["steady"] = false;
    AddEvent(body_,
             ServicePrefix(body_) + " has started " + std::to_string(ids.size()) +
                 " tasks: " + TaskList(ids) + ".",
             now_, SystemRandom());
  }

  // Counts, finished deployments, completion, steady state, records.
  void Tally(const RolloutInput& in) {
    Value& deployments = body_["deployments"];
    std::map<std::string, int64_t> running, pending, live, healthy;
    for (const TaskRow& t : tasks_) {
      std::string d = Str(t.body, "startedBy");
      ++live[d];
      if (Str(t.body, "desiredStatus") != "RUNNING") continue;
      (Str(t.body, "lastStatus") == "RUNNING" ? running : pending)[d]++;
    }
    for (const RolloutTask& v : in.tasks) healthy[v.deployment] += v.healthy ? 1 : 0;
    int64_t total_running = 0, total_pending = 0;
    Value kept = Value::array();
    for (Value& d : deployments) {
      std::string id = Str(d, "id");
      if (id != primary_ && live[id] == 0) {  // fully replaced
        FinishSuperseded(id);
        state_["deployments"].erase(id);
        continue;
      }
      if (Int(d, "runningCount") != running[id] || Int(d, "pendingCount") != pending[id] ||
          Int(d, "failedTasks") != Int(Info(id), "failed")) {
        d["runningCount"] = running[id];
        d["pendingCount"] = pending[id];
        d["failedTasks"] = Int(Info(id), "failed");
        d["updatedAt"] = now_;
      }
      total_running += running[id];
      total_pending += pending[id];
      kept.push_back(d);
    }
    deployments = std::move(kept);
    body_["runningCount"] = total_running;
    body_["pendingCount"] = total_pending;
    Value revisions = Value::array();
    for (const Value& d : deployments) {
      revisions.push_back({{"arn", Str(Info(Str(d, "id")), "revision")},
                           {"requestedTaskCount", Int(d, "desiredCount")},
                           {"runningTaskCount", Int(d, "runningCount")},
                           {"pendingTaskCount", Int(d, "pendingCount")}});
    }
    body_["currentServiceRevisions"] = revisions;
    if (row_.status == "DRAINING") {
      if (tasks_.empty()) {
        row_.status = "INACTIVE";
        body_["status"] = "INACTIVE";
        state_["updatedMs"] = now_ms_;
      }
      return;
    }
    if (deployments.empty()) return;
    Value& primary = deployments[0];
    int64_t desired = Int(body_, "desiredCount");
    primary["desiredCount"] = desired;
    bool settled = deployments.size() == 1 && running[primary_] == desired &&
                   pending[primary_] == 0 && live[primary_] == desired &&
                   healthy[primary_] == desired;
    if (settled && Str(primary, "rolloutState") == "IN_PROGRESS") Complete(primary);
    UpdateRecord(Str(Info(primary_), "serviceDeployment"), [&](Value& r) {
      Value& target = r["targetServiceRevision"];
      target["requestedTaskCount"] = desired;
      target["runningTaskCount"] = running[primary_];
      target["pendingTaskCount"] = pending[primary_];
      if (r.contains("deploymentCircuitBreaker") && !Bool(Info(primary_), "rollback")) {
        r["deploymentCircuitBreaker"]["failureCount"] = Int(Info(primary_), "failed");
      }
    });
    if (settled && Str(primary, "rolloutState") == "COMPLETED" && !Bool(state_, "steady")) {
      state_["steady"] = true;
      AddEvent(body_, ServicePrefix(body_) + " has reached a steady state.", now_, SystemRandom());
    }
  }

  void Complete(Value& primary) {
    primary["rolloutState"] = "COMPLETED";
    primary["rolloutStateReason"] = "ECS deployment " + primary_ + " completed.";
    primary["updatedAt"] = now_;
    AddEvent(body_, ServicePrefix(body_) + " (deployment " + primary_ + ") deployment completed.",
             now_, SystemRandom());
    Value& info = Info(primary_);
    bool rollback = Bool(info, "rollback");
    UpdateRecord(Str(info, "serviceDeployment"), [&](Value& r) {
      r["status"] = rollback ? "ROLLBACK_SUCCESSFUL" : "SUCCESSFUL";
      r["finishedAt"] = now_;
      r["updatedAt"] = now_;
      if (r.contains("deploymentCircuitBreaker") &&
          r["deploymentCircuitBreaker"]["status"] == "MONITORING") {
        r["deploymentCircuitBreaker"]["status"] = "MONITORING_COMPLETE";
      }
    });
    state_["stable"] = {{"id", primary_},
                        {"revision", Str(info, "revision")},
                        {"pins", info.value("pins", Value::object())}};
  }

  // A deployment a newer one replaced before it completed: its record stops.
  void FinishSuperseded(const std::string& id) {
    std::string arn = Str(Info(id), "serviceDeployment");
    if (arn == Str(Info(primary_), "serviceDeployment")) return;  // a rollback shares it
    UpdateRecord(arn, [&](Value& r) {
      if (Str(r, "status") != "IN_PROGRESS") return;
      r["status"] = "STOPPED";
      r["statusReason"] = "Service deployment was superseded by a newer deployment.";
      r["stoppedAt"] = now_;
      r["updatedAt"] = now_;
    });
  }

  template <class Change>
  void UpdateRecord(const std::string& arn, Change change) {
    if (arn.empty()) return;
    auto record = e_.services->store->GetDeployment(scope_, arn);
    if (!record.ok() || !*record) return;
    Value before = **record;
    change(**record);
    if (**record == before) return;
    Status st = e_.services->store->PutDeployment(scope_, arn, row_.cluster, row_.name, **record);
    if (!st.ok()) Log(row_.name, st.ToString());
  }

  EcsState& e_;
  image::ImageCache* images_;
  Scope scope_;
  ServiceRow& row_;
  Value& body_;
  Value& state_;
  int64_t now_ms_ = 0;
  double now_ = 0;
  std::optional<ResolvedPins> resolved_;
  std::string primary_;
  std::vector<TaskRow> tasks_;
};

}  // namespace

void ReconcileService(EcsState& e, image::ImageCache* images, const Scope& scope,
                      const std::string& cluster, const std::string& name) {
  ServiceControl& sc = *e.services;
  std::optional<ResolvedPins> resolved;
  if (auto peek = sc.store->GetService(scope, cluster, name); peek.ok() && *peek) {
    resolved = ResolveMissingPins(e, images, scope, **peek);
  }
  std::lock_guard<std::mutex> lock(sc.mu);
  auto got = sc.store->GetService(scope, cluster, name);
  if (!got.ok()) return Log(name, got.error().ToString());
  if (!*got || (*got)->status == "INACTIVE") return;
  ServiceRow row = std::move(**got);
  const Value body_before = row.body, state_before = row.state;
  const std::string status_before = row.status;
  Pass(e, images, scope, row, std::move(resolved)).Run();
  if (row.body == body_before && row.state == state_before && row.status == status_before) return;
  Status st = sc.store->PutService(scope, row);
  if (!st.ok()) Log(name, st.ToString());
}

}  // namespace nimbus::ecs
