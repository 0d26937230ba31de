// ECS task operations (RunTask, StartTask, StopTask, DescribeTasks, ListTasks), tags and
// account settings: through the service table (ProviderHarness: its runtime runs no containers,
// so every task stops at once with ResourceInitializationError) and over a fake TaskRuntime that
// records what the operations ask of it.
#include <gtest/gtest.h>

#include <vector>

#include "services/ecs/ecs_state.h"
#include "services/ecs/ops.h"
#include "services/ecs/runtime/recovery.h"
#include "services/provider_harness.h"

namespace nimbus::ecs {
namespace {

using testing::ProviderHarness;

const char kArnPrefix[] = "arn:aws:ecs:us-east-1:000000000000:";

std::string ErrorCode(const OpResult& r) { return r.ok() ? "ok" : r.error().code; }
std::string ErrorMessage(const OpResult& r) { return r.ok() ? "ok" : r.error().message; }

Value WebDefinition(Value extra = Value::object()) {
  Value in = {{"family", "web"},
              {"containerDefinitions",
               {{{"name", "app"}, {"image", "busybox"}, {"memory", 128}, {"cpu", 10}},
                {{"name", "side"}, {"image", "busybox"}, {"memory", 64}, {"essential", false}}}}};
  in.update(extra);
  return in;
}

std::string TaskId(const Value& task) {
  std::string arn = task["taskArn"];
  return arn.substr(arn.rfind('/') + 1);
}

TEST(EcsTasksTest, RunTaskCreatesTasksAsAwsShowsThem) {
  ProviderHarness h({"ecs"});
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", WebDefinition()).ok());
  auto run = h.Call("ecs", "RunTask",
                    {{"taskDefinition", "web"},
                     {"count", 2},
                     {"startedBy", "me"},
                     {"enableExecuteCommand", true},
                     {"tags", {{{"key", "k"}, {"value", "v"}}}},
                     {"overrides",
                      {{"cpu", "512"},
                       {"containerOverrides",
                        {{{"name", "app"}, {"command", {"echo", "hi"}}, {"memory", 256}}}}}}});
  ASSERT_TRUE(run.ok()) << ErrorMessage(run);
  ASSERT_EQ((*run)["tasks"].size(), 2u);
  EXPECT_TRUE((*run)["failures"].empty());
  const Value& t = (*run)["tasks"][0];
  EXPECT_EQ(t["taskArn"].get<std::string>().rfind(std::string(kArnPrefix) + "task/default/", 0),
            0u);
  EXPECT_EQ(TaskId(t).size(), 32u);
  EXPECT_EQ(t["clusterArn"], std::string(kArnPrefix) + "cluster/default");
  EXPECT_EQ(t["taskDefinitionArn"], std::string(kArnPrefix) + "task-definition/web:1");
  EXPECT_EQ(t["lastStatus"], "PROVISIONING");
  EXPECT_EQ(t["desiredStatus"], "RUNNING");
  EXPECT_EQ(t["group"], "family:web");
  EXPECT_EQ(t["launchType"], "EC2");
  EXPECT_EQ(t["startedBy"], "me");
  EXPECT_EQ(t["enableExecuteCommand"], true);
  EXPECT_EQ(t["cpu"], "512");
  EXPECT_EQ(t["tags"][0]["key"], "k");
  ASSERT_EQ(t["containers"].size(), 2u);
  EXPECT_EQ(t["containers"][0]["name"], "app");
  EXPECT_EQ(t["containers"][0]["memory"], "256");
  EXPECT_EQ(t["containers"][0]["cpu"], "10");
  EXPECT_EQ(t["containers"][0]["lastStatus"], "PENDING");
  EXPECT_EQ(t["overrides"]["containerOverrides"][0]["command"][1], "hi");

  // The harness runs no containers: the task stops as AWS reports a task it could not start.
  auto described = h.Call("ecs", "DescribeTasks",
                          {{"tasks", {TaskId(t), t["taskArn"], "0123456789abcdef0123456789abcdef"}},
                           {"include", {"TAGS"}}});
  ASSERT_TRUE(described.ok()) << ErrorMessage(described);
  ASSERT_EQ((*described)["tasks"].size(), 2u);
  const Value& d = (*described)["tasks"][0];
  EXPECT_EQ(d["lastStatus"], "STOPPED");
  EXPECT_EQ(d["desiredStatus"], "STOPPED");
  EXPECT_EQ(d["stopCode"], "TaskFailedToStart");
  EXPECT_EQ(d["stoppedReason"].get<std::string>().rfind("ResourceInitializationError: ", 0), 0u);
  EXPECT_EQ(d["tags"][0]["value"], "v");
  ASSERT_EQ((*described)["failures"].size(), 1u);
  EXPECT_EQ((*described)["failures"][0]["reason"], "MISSING");
  EXPECT_EQ((*described)["failures"][0]["arn"],
            std::string(kArnPrefix) + "task/default/0123456789abcdef0123456789abcdef");
}

TEST(EcsTasksTest, RunTaskRefusesWhatAwsRefuses) {
  ProviderHarness h({"ecs"});
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", WebDefinition()).ok());
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition",
                     WebDefinition({{"family", "vpc"}, {"networkMode", "awsvpc"}}))
                  .ok());
  auto code = [&](Value in) { return ErrorCode(h.Call("ecs", "RunTask", std::move(in))); };
  auto message = [&](Value in) { return ErrorMessage(h.Call("ecs", "RunTask", std::move(in))); };
  EXPECT_EQ(code({{"taskDefinition", "nope"}}), "ClientException");
  EXPECT_EQ(message({{"taskDefinition", "nope"}}), "TaskDefinition not found.");
  EXPECT_EQ(code({{"taskDefinition", "web"}, {"cluster", "nope"}}), "ClusterNotFoundException");
  EXPECT_EQ(code({{"taskDefinition", "web"}, {"count", 11}}), "InvalidParameterException");
  EXPECT_EQ(message({{"taskDefinition", "web"}, {"launchType", "FARGATE"}}),
            "Task definition does not support launch_type FARGATE.");
  EXPECT_EQ(message({{"taskDefinition", "vpc"}}),
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  Value no_subnets = {{"awsvpcConfiguration", {{"subnets", Value::array()}}}};
  EXPECT_EQ(message({{"taskDefinition", "vpc"}, {"networkConfiguration", no_subnets}}),
            "subnets can not be empty.");
  Value subnet = {{"awsvpcConfiguration", {{"subnets", {"subnet-0123"}}}}};
  EXPECT_EQ(message({{"taskDefinition", "web"}, {"networkConfiguration", subnet}}),
            "Network Configuration is not valid for the given networkMode of this task "
            "definition.");
  EXPECT_EQ(message({{"taskDefinition", "web"},
                     {"overrides", {{"containerOverrides", {{{"name", "ghost"}}}}}}}),
            "Override for container named ghost is not a container in the TaskDefinition.");
  // A privileged container is not Fargate's: refused when it is required, left out otherwise.
  Value fargate = {{"networkMode", "awsvpc"}, {"cpu", "256"}, {"memory", "512"}};
  Value privileged = WebDefinition(fargate);
  privileged["family"] = "priv";
  privileged["containerDefinitions"][0]["privileged"] = true;
  auto compat = h.Call("ecs", "RegisterTaskDefinition", privileged);
  ASSERT_TRUE(compat.ok()) << ErrorMessage(compat);
  EXPECT_EQ((*compat)["taskDefinition"]["compatibilities"], Value::array({"EC2"}));
  privileged["requiresCompatibilities"] = {"FARGATE"};
  EXPECT_EQ(ErrorCode(h.Call("ecs", "RegisterTaskDefinition", privileged)), "ClientException");
  ASSERT_TRUE(h.Call("ecs", "DeregisterTaskDefinition", {{"taskDefinition", "web:1"}}).ok());
  EXPECT_EQ(message({{"taskDefinition", "web:1"}}), "TaskDefinition is inactive");
}

TEST(EcsTasksTest, ListTasksFiltersAndPages) {
  ProviderHarness h({"ecs"});
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", WebDefinition()).ok());
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", WebDefinition({{"family", "db"}})).ok());
  ASSERT_TRUE(h.Call("ecs", "RunTask", {{"taskDefinition", "web"}, {"count", 3}}).ok());
  ASSERT_TRUE(h.Call("ecs", "RunTask",
                     {{"taskDefinition", "db"}, {"startedBy", "x"}, {"group", "service:s"}})
                  .ok());
  auto list = [&](Value in) {
    auto r = h.Call("ecs", "ListTasks", std::move(in));
    EXPECT_TRUE(r.ok()) << ErrorMessage(r);
    return r.ok() ? (*r)["taskArns"].size() : 0u;
  };
  // Every task stopped at once (no containers in the harness): RUNNING lists none.
  EXPECT_EQ(list(Value::object()), 0u);
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}}), 4u);
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}, {"family", "web"}}), 3u);
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}, {"startedBy", "x"}}), 1u);
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}, {"serviceName", "s"}}), 1u);
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}, {"launchType", "FARGATE"}}), 0u);
  auto page = h.Call("ecs", "ListTasks", {{"desiredStatus", "STOPPED"}, {"maxResults", 3}});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ((*page)["taskArns"].size(), 3u);
  auto rest = h.Call("ecs", "ListTasks",
                     {{"desiredStatus", "STOPPED"}, {"nextToken", (*page)["nextToken"]}});
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ((*rest)["taskArns"].size(), 1u);
  EXPECT_FALSE(rest->contains("nextToken"));
  EXPECT_EQ(ErrorCode(h.Call("ecs", "ListTasks", {{"cluster", "nope"}})),
            "ClusterNotFoundException");
  // Stopped tasks are describable for an hour, then gone.
  h.clock().Advance(std::chrono::minutes(61));
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}}), 0u);
}

// A runtime that only records what it is asked.
class RecordingRuntime : public TaskRuntime {
 public:
  void Start(TaskLaunch launch) override { started.push_back(launch.task_id); }
  void Stop(const Scope&, const std::string& id) override { stopped.push_back(id); }
  std::vector<std::string> started, stopped;
};

struct Direct {
  Direct() {
    auto opened = store::Database::OpenFile(":memory:");
    db = std::move(*opened);
    state.store = *MakeEcsStore(*db, clock);
    state.runtime = runtime;
    call.account_id = "000000000000";
    call.region = "us-east-1";
  }
  OpResult Call(OpResult (*op)(EcsState&, const CallContext&, const Value&), Value in) {
    return op(state, call, in);
  }
  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))};
  std::unique_ptr<store::Database> db;
  std::shared_ptr<RecordingRuntime> runtime = std::make_shared<RecordingRuntime>();
  EcsState state;
  CallContext call;
};

TEST(EcsTasksTest, StopTaskStopsOnceWithUserReasonAndDropsTags) {
  Direct d;
  ASSERT_TRUE(d.Call(ops::RegisterTaskDefinition, WebDefinition()).ok());
  ASSERT_TRUE(d.Call(ops::CreateCluster, {{"clusterName", "c"}}).ok());
  auto run = d.Call(
      ops::RunTask,
      {{"taskDefinition", "web"}, {"cluster", "c"}, {"tags", {{{"key", "k"}, {"value", "v"}}}}});
  ASSERT_TRUE(run.ok()) << ErrorMessage(run);
  std::string arn = (*run)["tasks"][0]["taskArn"];
  std::string id = TaskId((*run)["tasks"][0]);
  ASSERT_EQ(d.runtime->started, std::vector<std::string>{id});
  // Another cluster's identifier, as AWS words it.
  EXPECT_EQ(ErrorMessage(d.Call(ops::StopTask, {{"task", arn}})),
            "Invalid identifier: Identifier is for cluster c. Your cluster is default");
  EXPECT_EQ(ErrorMessage(d.Call(ops::StopTask,
                                {{"cluster", "c"}, {"task", "0123456789abcdef0123456789abcdef"}})),
            "The referenced task was not found.");
  auto listed = d.Call(ops::ListTagsForResource, {{"resourceArn", arn}});
  ASSERT_TRUE(listed.ok()) << ErrorMessage(listed);
  EXPECT_EQ((*listed)["tags"].size(), 1u);

  auto stop = d.Call(ops::StopTask, {{"cluster", "c"}, {"task", id}});
  ASSERT_TRUE(stop.ok()) << ErrorMessage(stop);
  EXPECT_EQ((*stop)["task"]["desiredStatus"], "STOPPED");
  EXPECT_EQ((*stop)["task"]["stopCode"], "UserInitiated");
  EXPECT_EQ((*stop)["task"]["stoppedReason"], "Task stopped by user");
  EXPECT_TRUE((*stop)["task"].contains("stoppingAt"));
  EXPECT_EQ(d.runtime->stopped, std::vector<std::string>{id});
  // Again: the same task, no second stop; the caller's reason does not replace the first.
  auto again = d.Call(ops::StopTask, {{"cluster", "c"}, {"task", arn}, {"reason", "other"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["task"]["stoppedReason"], "Task stopped by user");
  EXPECT_EQ(d.runtime->stopped.size(), 1u);
  listed = d.Call(ops::ListTagsForResource, {{"resourceArn", arn}});
  EXPECT_TRUE((*listed)["tags"].empty());  // StopTask deletes the task's tags

  // Tasks not STOPPED when nimbus stops are STOPPED at the next start, with a reason.
  auto recovered = StopTasksLeftByRestart(*d.state.store);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, 1);
  auto after = d.Call(ops::DescribeTasks, {{"cluster", "c"}, {"tasks", {id}}});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["tasks"][0]["lastStatus"], "STOPPED");
  EXPECT_EQ((*after)["tasks"][0]["stoppedReason"], "Task stopped by user");
  EXPECT_EQ((*after)["tasks"][0]["containers"][0]["reason"], "nimbus stopped");
}

TEST(EcsTasksTest, StartTaskFindsNoContainerInstances) {
  Direct d;
  ASSERT_TRUE(d.Call(ops::RegisterTaskDefinition, WebDefinition()).ok());
  auto start = d.Call(ops::StartTask, {{"taskDefinition", "web"}, {"containerInstances", {"i1"}}});
  ASSERT_TRUE(start.ok()) << ErrorMessage(start);
  EXPECT_TRUE((*start)["tasks"].empty());
  EXPECT_EQ((*start)["failures"][0]["reason"], "MISSING");
  EXPECT_EQ((*start)["failures"][0]["arn"],
            std::string(kArnPrefix) + "container-instance/default/i1");
  EXPECT_TRUE(d.runtime->started.empty());
}

TEST(EcsTasksTest, TagsOfClustersAndTaskDefinitions) {
  Direct d;
  ASSERT_TRUE(d.Call(ops::RegisterTaskDefinition, WebDefinition()).ok());
  ASSERT_TRUE(d.Call(ops::CreateCluster, {{"clusterName", "c"}}).ok());
  for (std::string arn :
       {std::string(kArnPrefix) + "cluster/c", std::string(kArnPrefix) + "task-definition/web:1"}) {
    ASSERT_TRUE(d.Call(ops::TagResource,
                       {{"resourceArn", arn},
                        {"tags", {{{"key", "a"}, {"value", "1"}}, {{"key", "b"}, {"value", "2"}}}}})
                    .ok());
    ASSERT_TRUE(
        d.Call(ops::TagResource, {{"resourceArn", arn}, {"tags", {{{"key", "a"}, {"value", "3"}}}}})
            .ok());
    ASSERT_TRUE(d.Call(ops::UntagResource, {{"resourceArn", arn}, {"tagKeys", {"b"}}}).ok());
    auto listed = d.Call(ops::ListTagsForResource, {{"resourceArn", arn}});
    ASSERT_TRUE(listed.ok()) << ErrorMessage(listed);
    EXPECT_EQ((*listed)["tags"], Value::parse(R"([{"key":"a","value":"3"}])")) << arn;
  }
  EXPECT_EQ(ErrorCode(d.Call(ops::ListTagsForResource,
                             {{"resourceArn", std::string(kArnPrefix) + "cluster/nope"}})),
            "ResourceNotFoundException");
  EXPECT_EQ(ErrorCode(d.Call(ops::ListTagsForResource, {{"resourceArn", "nope"}})),
            "InvalidParameterException");
}

TEST(EcsTasksTest, AccountSettingsDefaultsAndOverrides) {
  Direct d;
  auto all = d.Call(ops::ListAccountSettings, {{"effectiveSettings", true}});
  ASSERT_TRUE(all.ok());
  EXPECT_GT((*all)["settings"].size(), 5u);
  auto none = d.Call(ops::ListAccountSettings, Value::object());
  EXPECT_TRUE((*none)["settings"].empty());
  ASSERT_TRUE(
      d.Call(ops::PutAccountSetting, {{"name", "containerInsights"}, {"value", "enabled"}}).ok());
  auto one = d.Call(ops::ListAccountSettings, {{"name", "containerInsights"}});
  ASSERT_EQ((*one)["settings"].size(), 1u);
  EXPECT_EQ((*one)["settings"][0]["value"], "enabled");
  EXPECT_EQ((*one)["settings"][0]["principalArn"], "arn:aws:iam::000000000000:root");
  EXPECT_EQ(ErrorCode(d.Call(ops::PutAccountSetting, {{"name", "bogus"}, {"value", "x"}})),
            "InvalidParameterException");
  ASSERT_TRUE(d.Call(ops::DeleteAccountSetting, {{"name", "containerInsights"}}).ok());
  none = d.Call(ops::ListAccountSettings, Value::object());
  EXPECT_TRUE((*none)["settings"].empty());
}

}  // namespace
}  // namespace nimbus::ecs
