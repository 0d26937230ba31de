#include "services/ecs/task_json.h"

#include <set>

#include "services/ecs/task_definition.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

AwsError Invalid(std::string message) {
  return AwsError("InvalidParameterException", std::move(message));
}

bool Contains(const Value& list, const char* what) {
  if (!list.is_array()) return false;
  for (const Value& v : list) {
    if (v == what) return true;
  }
  return false;
}

bool IsHex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string TaskArn(const Scope& scope, const std::string& cluster, const std::string& id) {
  return MakeArn("ecs", scope, "task/" + cluster + "/" + id);
}

std::optional<TaskRef> ParseTaskRef(const Scope& scope, const std::string& text) {
  TaskRef ref;
  std::string rest = text;
  if (text.rfind("arn:", 0) == 0) {
    auto arn = ParseArn(text);
    if (!arn || arn->service != "ecs" || arn->scope != scope) return std::nullopt;
    if (arn->resource.rfind("task/", 0) != 0) return std::nullopt;
    rest = arn->resource.substr(5);
    size_t slash = rest.find('/');
    if (slash != std::string::npos) {
      ref.cluster = rest.substr(0, slash);
      rest = rest.substr(slash + 1);
    }
  }
  if (rest.size() != 32 || !IsHex(rest)) return std::nullopt;
  ref.id = rest;
  return ref;
}

const Value* ContainerOverride(const Value& task, const std::string& name) {
  const Value* ov = Member(task, "overrides");
  const Value* list = ov ? Member(*ov, "containerOverrides") : nullptr;
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const Value& o : *list) {
    if (Str(o, "name") == name) return &o;
  }
  return nullptr;
}

Result<bool, AwsError> CheckRunRequest(const Value& td, const Value& req) {
  std::string launch = Str(req, "launchType");
  if (!launch.empty() && launch != "EC2" && launch != "FARGATE" && launch != "EXTERNAL") {
    return Invalid("launchType must be one of EC2, FARGATE, EXTERNAL.");
  }
  if (launch == "FARGATE" && !Contains(td.value("compatibilities", Value::array()), "FARGATE")) {
    return Invalid("Task definition does not support launch_type FARGATE.");
  }
  const Value* network = Member(req, "networkConfiguration");
  if (Str(td, "networkMode") == "awsvpc" && network == nullptr) {
    return Invalid(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (network != nullptr && Str(td, "networkMode") != "awsvpc") {
    return Invalid(
        "Network Configuration is not valid for the given networkMode of this task definition.");
  }
  if (network != nullptr) {
    const Value* vpc = Member(*network, "awsvpcConfiguration");
    const Value* subnets = vpc ? Member(*vpc, "subnets") : nullptr;
    if (subnets == nullptr || !subnets->is_array() || subnets->empty()) {
      return Invalid("subnets can not be empty.");
    }
  }
  if (Str(req, "startedBy").size() > 128) {
    return Invalid("startedBy must be at most 128 characters.");
  }
  if (Str(req, "group").size() > 255) return Invalid("group must be at most 255 characters.");
  if (const Value* tags = Member(req, "tags"); tags && tags->is_array() && tags->size() > 50) {
    return Invalid("Tags can not be more than 50.");
  }
  const Value* ov = Member(req, "overrides");
  if (ov == nullptr) return true;
  for (const char* key : {"cpu", "memory"}) {
    auto text = OptStr(*ov, key);
    if (!text) continue;
    auto parsed = std::string(key) == "cpu" ? ParseTaskCpu(*text) : ParseTaskMemory(*text);
    if (!parsed || *parsed <= 0) {
      return Invalid(std::string("Invalid '") + key + "' override value: " + *text);
    }
  }
  std::set<std::string> names;
  for (const Value& c : td.value("containerDefinitions", Value::array())) {
    names.insert(Str(c, "name"));
  }
  const Value* list = Member(*ov, "containerOverrides");
  if (list == nullptr || !list->is_array()) return true;
  for (const Value& o : *list) {
    std::string name = Str(o, "name");
    if (!names.count(name)) {
      return Invalid("Override for container named " + name +
                     " is not a container in the TaskDefinition.");
    }
    if (Member(o, "environmentFiles") && !o["environmentFiles"].empty()) {
      return Invalid(
          "environmentFiles are S3 objects and nimbus serves no S3 yet: put the variables in "
          "environment.");
    }
  }
  return true;
}

Value NewTask(const NewTaskInput& in, const std::string& task_id, RandomSource& random) {
  const Value& td = in.task_definition;
  const Value& req = in.request;
  std::string task_arn = TaskArn(in.scope, in.cluster, task_id);
  std::string launch = Str(req, "launchType", "EC2");
  Value overrides = Member(req, "overrides") ? req["overrides"] : Value::object();
  if (!overrides.contains("containerOverrides")) overrides["containerOverrides"] = Value::array();
  if (!overrides.contains("inferenceAcceleratorOverrides")) {
    overrides["inferenceAcceleratorOverrides"] = Value::array();
  }
  Value task = {
      {"taskArn", task_arn},
      {"clusterArn", MakeArn("ecs", in.scope, "cluster/" + in.cluster)},
      {"taskDefinitionArn", Str(td, "taskDefinitionArn")},
      {"attachments", Value::array()},
      {"attributes", Value::array({{{"name", "ecs.cpu-architecture"}, {"value", "x86_64"}}})},
      {"availabilityZone", in.scope.region + "a"},
      {"createdAt", in.now_seconds},
      {"desiredStatus", "RUNNING"},
      {"lastStatus", "PROVISIONING"},
      {"enableExecuteCommand", Bool(req, "enableExecuteCommand")},
      {"group", Str(req, "group", "family:" + Str(td, "family"))},
      {"healthStatus", "UNKNOWN"},
      {"launchType", launch},
      {"overrides", overrides},
      {"version", 1},
      {"connectivity", "CONNECTED"},
      {"connectivityAt", in.now_seconds},
  };
  if (auto by = OptStr(req, "startedBy")) task["startedBy"] = *by;
  for (const char* key : {"cpu", "memory"}) {
    std::string value = Str(overrides, key, Str(td, key));
    if (auto parsed = std::string(key) == "cpu" ? ParseTaskCpu(value) : ParseTaskMemory(value)) {
      task[key] = std::to_string(*parsed);
    }
  }
  if (launch == "FARGATE") {
    task["platformVersion"] = Str(req, "platformVersion", "1.4.0");
    if (task["platformVersion"] == "LATEST") task["platformVersion"] = "1.4.0";
    task["platformFamily"] = "Linux";
    task["ephemeralStorage"] = {{"sizeInGiB", 20}};
    task["fargateEphemeralStorage"] = {{"sizeInGiB", 20}};
  }
  Value containers = Value::array();
  for (const Value& def : td.value("containerDefinitions", Value::array())) {
    std::string name = Str(def, "name");
    Value c = {{"containerArn",
                MakeArn("ecs", in.scope,
                        "container/" + in.cluster + "/" + task_id + "/" + NewUuid(random))},
               {"taskArn", task_arn},
               {"name", name},
               {"image", Str(def, "image")},
               {"lastStatus", "PENDING"},
               {"networkBindings", Value::array()},
               {"networkInterfaces", Value::array()},
               {"cpu", std::to_string(Int(def, "cpu"))}};
    const Value* o = nullptr;
    for (const Value& x : overrides["containerOverrides"]) {
      if (Str(x, "name") == name) o = &x;
    }
    for (const char* key : {"cpu", "memory", "memoryReservation"}) {
      std::optional<int64_t> v = o ? OptInt(*o, key) : std::nullopt;
      if (!v) v = OptInt(def, key);
      if (v) c[key] = std::to_string(*v);
    }
    if (Member(def, "healthCheck")) c["healthStatus"] = "UNKNOWN";
    if (Bool(req, "enableExecuteCommand")) {  // ECS Exec's agent, started with the container
      c["managedAgents"] =
          Value::array({Value{{"name", "ExecuteCommandAgent"}, {"lastStatus", "PENDING"}}});
    }
    containers.push_back(std::move(c));
  }
  task["containers"] = std::move(containers);
  return task;
}

}  // namespace nimbus::ecs
