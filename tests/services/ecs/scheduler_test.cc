// The service scheduler's passes (ReconcileService) over a fake TaskRuntime and a fake clock:
// the test moves tasks through their lifecycle by writing them as the runtime would, so AWS's
// 40 s healthy rule, the circuit breaker's back-off and threshold and the rollback run in
// simulated time.
#include "services/ecs/services/scheduler.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "services/ecs/ecs_state.h"
#include "services/ecs/ops.h"
#include "services/ecs/runtime/task_status.h"
#include "services/ecs/services/ops_services.h"

namespace nimbus::ecs {
namespace {

class RecordingRuntime : public TaskRuntime {
 public:
  void Start(TaskLaunch launch) override { started.push_back(launch.task_id); }
  void Stop(const Scope&, const std::string& id) override { stopped.push_back(id); }
  std::vector<std::string> started, stopped;
};

std::string TaskArnId(const Value& task) {
  std::string arn = task["taskArn"];
  return arn.substr(arn.rfind('/') + 1);
}

struct World {
  World() {
    auto opened = store::Database::OpenFile(":memory:");
    db = std::move(*opened);
    state.store = *MakeEcsStore(*db, clock);
    state.runtime = runtime;
    state.services = std::make_shared<ServiceControl>();
    state.services->store = *MakeServiceStore(*db);
    call.account_id = "000000000000";
    call.region = "us-east-1";
    scope = ScopeOf(call);
  }
  OpResult Call(OpResult (*op)(EcsState&, const CallContext&, const Value&), Value in) {
    return op(state, call, in);
  }
  void Pass() { ReconcileService(state, nullptr, scope, "default", "web"); }
  Value Service() { return (*Call(ops::DescribeServices, {{"services", {"web"}}}))["services"][0]; }
  // Changes every task the scheduler started that is not STOPPED, as the runtime would.
  void Each(const std::function<void(Value&)>& change) {
    for (const std::string& id : runtime->started) {
      (void)state.store->UpdateTask(scope, id, [&](Value& t) {
        if (t["lastStatus"] == "STOPPED") return false;
        change(t);
        return true;
      });
    }
  }
  // Tasks asked to stop stop; the others run.
  void RunAll() {
    double now = static_cast<double>(clock.NowMillis()) / 1000;
    Each([&](Value& t) {
      if (t["desiredStatus"] == "STOPPED") {
        MarkStopped(t, "", "", "", now);
      } else if (t["lastStatus"] != "RUNNING") {
        SetLastStatus(t, "RUNNING", true);
        t["startedAt"] = now;
      }
    });
  }
  void Later(int seconds) { clock.Advance(std::chrono::seconds(seconds)); }
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    Value service = Service();
    for (const Value& e : service["events"]) out.push_back(e["message"].get<std::string>());
    return out;
  }

  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))};
  std::unique_ptr<store::Database> db;
  std::shared_ptr<RecordingRuntime> runtime = std::make_shared<RecordingRuntime>();
  EcsState state;
  CallContext call;
  Scope scope;
};

Value Definition(const std::string& image) {
  return {{"family", "web"},
          {"containerDefinitions", {{{"name", "app"}, {"image", image}, {"memory", 64}}}}};
}

bool Has(const std::vector<std::string>& events, const std::string& text) {
  for (const auto& e : events) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(EcsSchedulerTest, ATaskCountsHealthyFortySecondsAfterRunning) {
  World w;
  ASSERT_TRUE(w.Call(ops::RegisterTaskDefinition, Definition("busybox")).ok());
  ASSERT_TRUE(w.Call(ops::CreateService,
                     {{"serviceName", "web"}, {"taskDefinition", "web"}, {"desiredCount", 2}})
                  .ok());
  w.Pass();
  ASSERT_EQ(w.runtime->started.size(), 2u);
  Value s = w.Service();
  EXPECT_EQ(s["pendingCount"], 2);
  std::string id = s["deployments"][0]["id"];
  EXPECT_TRUE(Has(w.Events(), "(service web) has started 2 tasks: (task "));

  w.RunAll();
  w.Later(39);
  w.Pass();
  s = w.Service();
  EXPECT_EQ(s["runningCount"], 2);
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "IN_PROGRESS");  // not 40 s yet
  w.Later(1);
  w.Pass();
  s = w.Service();
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "COMPLETED");
  EXPECT_EQ(s["deployments"][0]["rolloutStateReason"], "ECS deployment " + id + " completed.");
  EXPECT_EQ(w.Events()[0], "(service web) has reached a steady state.");
  EXPECT_EQ(w.Events()[1], "(service web) (deployment " + id + ") deployment completed.");

  // Nothing changes: no new events.
  size_t events = w.Events().size();
  w.Later(5);
  w.Pass();
  EXPECT_EQ(w.Events().size(), events);

  // A task that exits is replaced by the same deployment.
  w.Each([&](Value& t) {
    if (TaskArnId(t) != w.runtime->started[0]) return;
    MarkStopped(t, "EssentialContainerExited", "Essential container in task exited", "", 1);
  });
  w.Pass();
  ASSERT_EQ(w.runtime->started.size(), 3u);
  auto task = w.state.store->GetTask(w.scope, w.runtime->started[2]);
  EXPECT_EQ((**task).body["startedBy"], id);
  EXPECT_EQ((**task).body["group"], "service:web");
}

TEST(EcsSchedulerTest, TasksGetTheServiceTagsAndEcsManagedTags) {
  World w;
  ASSERT_TRUE(w.Call(ops::RegisterTaskDefinition, Definition("busybox")).ok());
  ASSERT_TRUE(w.Call(ops::CreateService, {{"serviceName", "web"},
                                          {"taskDefinition", "web"},
                                          {"desiredCount", 1},
                                          {"propagateTags", "SERVICE"},
                                          {"enableECSManagedTags", true},
                                          {"tags", {{{"key", "team"}, {"value", "a"}}}}})
                  .ok());
  w.Pass();
  ASSERT_EQ(w.runtime->started.size(), 1u);
  auto task = w.state.store->GetTask(w.scope, w.runtime->started[0]);
  EXPECT_EQ((**task).tags, Value::parse(R"([{"key":"team","value":"a"},
      {"key":"aws:ecs:clusterName","value":"default"},
      {"key":"aws:ecs:serviceName","value":"web"}])"));
}

TEST(EcsSchedulerTest, CircuitBreakerBacksOffTripsAndRollsBack) {
  World w;
  ASSERT_TRUE(w.Call(ops::RegisterTaskDefinition, Definition("good")).ok());
  ASSERT_TRUE(w.Call(ops::CreateService,
                     {{"serviceName", "web"},
                      {"taskDefinition", "web:1"},
                      {"desiredCount", 1},
                      {"deploymentConfiguration",
                       {{"deploymentCircuitBreaker", {{"enable", true}, {"rollback", true}}}}}})
                  .ok());
  w.Pass();
  w.RunAll();
  w.Later(40);
  w.Pass();
  std::string stable = w.Service()["deployments"][0]["id"];
  ASSERT_EQ(w.Service()["deployments"][0]["rolloutState"], "COMPLETED");

  ASSERT_TRUE(w.Call(ops::RegisterTaskDefinition, Definition("broken")).ok());
  auto updated = w.Call(ops::UpdateService, {{"service", "web"}, {"taskDefinition", "web:2"}});
  ASSERT_TRUE(updated.ok());
  std::string failing = (*updated)["service"]["deployments"][0]["id"];
  // Each new task fails to start; the scheduler waits longer after each failure.
  auto fail_new = [&] {
    w.Each([&](Value& t) {
      if (t["startedBy"] == failing) MarkStopped(t, "TaskFailedToStart", "CannotPull", "", 1);
    });
  };
  w.Pass();  // starts the first new task
  size_t launched = w.runtime->started.size();
  fail_new();
  w.Pass();  // counts the failure: no relaunch within the back-off
  EXPECT_EQ(w.runtime->started.size(), launched);
  EXPECT_EQ(w.Service()["deployments"][0]["failedTasks"], 1);
  for (int i = 0; i < 2; ++i) {
    w.Later(30);
    w.Pass();
    fail_new();
    w.Pass();
  }
  // As on AWS, the last completed deployment is PRIMARY again under its own id; the failed one
  // (no tasks left) is gone. Its task never stopped (minimumHealthyPercent 100), so the
  // service is steady at once and the rollback completes in the same pass.
  Value s = w.Service();
  ASSERT_EQ(s["deployments"].size(), 1u);
  EXPECT_EQ(s["deployments"][0]["id"], stable);
  EXPECT_EQ(s["deployments"][0]["status"], "PRIMARY");
  EXPECT_EQ(s["deployments"][0]["rolloutState"], "COMPLETED");
  EXPECT_EQ(s["deployments"][0]["taskDefinition"],
            "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1");
  EXPECT_TRUE(Has(w.Events(), "(service web) rolling back to deployment " + stable + "."));
  EXPECT_TRUE(
      Has(w.Events(), "(deployment " + failing + ") deployment failed: tasks failed to start."));
  // Tasks that never reached RUNNING set off the throttle and its event (once).
  int throttled = 0;
  for (const auto& e : w.Events()) {
    throttled += e == "(service web) is unable to consistently start tasks successfully." ? 1 : 0;
  }
  EXPECT_EQ(throttled, 1);
  auto record = w.Call(ops::DescribeServiceDeployments,
                       {{"serviceDeploymentArns", {s["currentServiceDeployment"]}}});
  ASSERT_TRUE(record.ok());
  Value r = (*record)["serviceDeployments"][0];
  EXPECT_EQ(r["status"], "ROLLBACK_SUCCESSFUL");
  EXPECT_EQ(r["deploymentCircuitBreaker"]["status"], "TRIGGERED");
  EXPECT_EQ(r["deploymentCircuitBreaker"]["failureCount"], 3);
  EXPECT_EQ(r["deploymentCircuitBreaker"]["threshold"], 3);
  // The old task stays: nothing replaces it.
  auto first = w.state.store->GetTask(w.scope, w.runtime->started[0]);
  EXPECT_EQ((**first).body["lastStatus"], "RUNNING");
  size_t started = w.runtime->started.size();
  w.Later(30);
  w.Pass();
  w.RunAll();
  w.Pass();
  EXPECT_EQ(w.runtime->started.size(), started);
  s = w.Service();
  ASSERT_EQ(s["deployments"].size(), 1u);
  EXPECT_EQ(s["deployments"][0]["id"], stable);
  int completed = 0;
  for (const auto& e : w.Events()) {
    completed += e == "(service web) (deployment " + stable + ") deployment completed." ? 1 : 0;
  }
  EXPECT_EQ(completed, 2);  // its own completion, then the rollback's
  first = w.state.store->GetTask(w.scope, w.runtime->started[0]);
  EXPECT_EQ((**first).body["lastStatus"], "RUNNING");
}

TEST(EcsSchedulerTest, HealthChecksDecideAndGraceHoldsOffReplacement) {
  World w;
  Value def = Definition("busybox");
  def["containerDefinitions"][0]["healthCheck"] = {{"command", {"CMD-SHELL", "true"}}};
  ASSERT_TRUE(w.Call(ops::RegisterTaskDefinition, def).ok());
  ASSERT_TRUE(w.Call(ops::CreateService, {{"serviceName", "web"},
                                          {"taskDefinition", "web"},
                                          {"desiredCount", 1},
                                          {"healthCheckGracePeriodSeconds", 60}})
                  .ok());
  w.Pass();
  w.RunAll();
  w.Later(100);
  w.Pass();  // RUNNING for 100 s but its health is UNKNOWN: not healthy, no 40 s rule
  EXPECT_EQ(w.Service()["deployments"][0]["rolloutState"], "IN_PROGRESS");
  w.Each([](Value& t) { t["healthStatus"] = "HEALTHY"; });
  w.Pass();
  EXPECT_EQ(w.Service()["deployments"][0]["rolloutState"], "COMPLETED");

  // A replacement turns UNHEALTHY within the grace period: kept; past it: replaced.
  w.Each([](Value& t) { MarkStopped(t, "UserInitiated", "Task stopped by user", "", 1); });
  w.Pass();
  ASSERT_EQ(w.runtime->started.size(), 2u);
  w.RunAll();
  w.Each([](Value& t) { t["healthStatus"] = "UNHEALTHY"; });
  w.Later(30);
  w.Pass();
  EXPECT_TRUE(w.runtime->stopped.empty());
  w.Later(31);
  w.Pass();
  ASSERT_EQ(w.runtime->stopped.size(), 1u);
  std::string sick = w.runtime->stopped[0];
  auto task = w.state.store->GetTask(w.scope, sick);
  EXPECT_EQ((**task).body["stopCode"], "ServiceSchedulerInitiated");
  EXPECT_EQ((**task).body["stoppedReason"], "Task failed container health checks");
  EXPECT_TRUE(Has(w.Events(), "(service web) (task " + sick + ") failed container health checks."));
  EXPECT_EQ(w.runtime->started.size(), 3u);  // its replacement (maximumPercent 200)
}

}  // namespace
}  // namespace nimbus::ecs
