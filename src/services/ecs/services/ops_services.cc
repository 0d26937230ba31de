// CreateService, UpdateService and DeleteService: checks, the new deployment when the
// configuration changes, durable writes; the scheduler starts and stops the tasks.
#include "services/ecs/services/ops_services.h"

#include "services/ecs/ops.h"
#include "services/ecs/services/service_json.h"
#include "services/ecs/task_json.h"
#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"

namespace nimbus::ecs::ops {
namespace {

AwsError Invalid(std::string message) {
  return AwsError("InvalidParameterException", std::move(message));
}

// AWS's quota of tasks per service.
constexpr int64_t kMaxTasksPerService = 5000;

AwsError BadDesiredCount() {
  return Invalid("desiredCount must be between 0 and " + std::to_string(kMaxTasksPerService) +
                 " (tasks per service).");
}

double Now(const EcsStore& s) { return static_cast<double>(s.clock().NowMillis()) / 1000; }

// What nimbus has no counterpart for: a non-empty list of these is refused, naming it.
constexpr const char* kUnsupportedLists[] = {"loadBalancers", "serviceRegistries",
                                             "capacityProviderStrategy", "volumeConfigurations",
                                             "vpcLatticeConfigurations"};

Result<bool, AwsError> CheckUnsupported(const Value& in) {
  for (const char* key : kUnsupportedLists) {
    const Value* v = Member(in, key);
    if (v != nullptr && v->is_array() && !v->empty()) {
      return Invalid(std::string(key) + " are not supported by nimbus (it serves no " +
                     (std::string(key) == "loadBalancers" ? "Elastic Load Balancing" : key) +
                     "): leave it empty.");
    }
  }
  if (const Value* sc = Member(in, "serviceConnectConfiguration"); sc && Bool(*sc, "enabled")) {
    return Invalid("serviceConnectConfiguration is not supported by nimbus: leave it disabled.");
  }
  if (const Value* dc = Member(in, "deploymentController")) {
    std::string type = Str(*dc, "type", "ECS");
    if (type != "ECS") {
      return Invalid("deploymentController type " + type +
                     " is not supported by nimbus: only ECS (rolling update) is.");
    }
  }
  return true;
}

// The deployment configuration `in` asks for over `base` (AWS's defaults when absent).
Result<Value, AwsError> DeploymentConfig(const Value& in, Value base) {
  if (!base.is_object()) {
    base = {{"deploymentCircuitBreaker", {{"enable", false}, {"rollback", false}}},
            {"maximumPercent", 200},
            {"minimumHealthyPercent", 100}};
  }
  const Value* c = Member(in, "deploymentConfiguration");
  if (c == nullptr) return base;
  if (auto max = OptInt(*c, "maximumPercent")) base["maximumPercent"] = *max;
  if (auto min = OptInt(*c, "minimumHealthyPercent")) base["minimumHealthyPercent"] = *min;
  if (const Value* b = Member(*c, "deploymentCircuitBreaker")) {
    base["deploymentCircuitBreaker"] = {{"enable", Bool(*b, "enable")},
                                        {"rollback", Bool(*b, "rollback")}};
  }
  std::string strategy = Str(*c, "strategy", "ROLLING");
  if (strategy != "ROLLING") {
    return Invalid("deploymentConfiguration strategy " + strategy +
                   " is not supported by nimbus: only ROLLING is.");
  }
  int64_t min = Int(base, "minimumHealthyPercent"), max = Int(base, "maximumPercent");
  if (min < 0 || min > 100) {
    return Invalid("minimumHealthyPercent must be between 0 and 100.");
  }
  if (max < 100 || max > 200) return Invalid("maximumPercent must be between 100 and 200.");
  return base;
}

// The deployment spec of a service body over definition `td`.
DeploymentSpec SpecOf(const Value& service, const TaskDefRow& td) {
  DeploymentSpec spec;
  spec.task_definition = Str(td.body, "taskDefinitionArn");
  spec.task_definition_body = td.body;
  spec.launch_type = Str(service, "launchType", "EC2");
  spec.platform_version = Str(service, "platformVersion");
  if (spec.platform_version == "LATEST") spec.platform_version = "1.4.0";  // as RunTask shows
  spec.network_configuration = service.value("networkConfiguration", Value());
  spec.desired_count = Int(service, "desiredCount");
  return spec;
}

// Writes a new deployment's revision and service deployment records, then adds it.
Status Deploy(ServiceStore& store, const Scope& scope, ServiceRow& row, const TaskDefRow& td,
              double now) {
  NewDeployment made =
      MakeDeployment(scope, row.body, row.state, SpecOf(row.body, td), now, SystemRandom());
  NIMBUS_RETURN_IF_ERROR(store.PutRevision(scope, made.revision_arn, made.revision));
  NIMBUS_RETURN_IF_ERROR(store.PutDeployment(scope, made.service_deployment_arn, row.cluster,
                                             row.name, made.service_deployment));
  AddDeployment(row.body, row.state, made);
  return Status::Ok();
}

// The definition a service names, ACTIVE, or AWS's error.
Result<TaskDefRow, AwsError> ServiceDefinition(EcsStore& s, const CallContext& call,
                                               const Value& in) {
  auto name = OptStr(in, "taskDefinition");
  if (!name) return Invalid("TaskDefinition must be specified.");
  auto td = LookupTaskDefinition(s, call, *name);
  if (!td.ok()) return InternalError("ServerException", td.error());
  if (!*td || (*td)->status == "DELETE_IN_PROGRESS") {
    return AwsError("ClientException", "TaskDefinition not found.");
  }
  if ((*td)->status != "ACTIVE") return AwsError("ClientException", "TaskDefinition is inactive");
  return std::move(**td);
}

// The checks a launch configuration passes (RunTask's, with the service's own fields).
Result<bool, AwsError> CheckLaunch(const Value& td, const Value& service) {
  Value probe = Value::object();
  for (const char* key : {"launchType", "networkConfiguration", "platformVersion"}) {
    if (service.contains(key)) probe[key] = service[key];
  }
  return CheckRunRequest(td, probe);
}

// The ACTIVE service the input's `service` names, or ServiceNotFound/ServiceNotActive.
Result<ServiceRow, AwsError> FindActiveService(ServiceStore& store, const CallContext& call,
                                               const std::string& cluster, const Value& in) {
  auto name = ServiceNameOf(ScopeOf(call), cluster, Str(in, "service"));
  if (!name || name->empty()) return AwsError("ServiceNotFoundException", "Service not found.");
  auto row = store.GetService(ScopeOf(call), cluster, *name);
  if (!row.ok()) return InternalError("ServerException", row.error());
  if (!*row) return AwsError("ServiceNotFoundException", "Service not found.");
  if ((*row)->status != "ACTIVE") {
    return AwsError("ServiceNotActiveException", "Service was not ACTIVE.");
  }
  return std::move(**row);
}

Value ServiceOut(const ServiceRow& row) {
  Value out = row.body;
  if (!row.tags.empty()) out["tags"] = row.tags;
  return out;
}

AwsError NoServices() {
  return AwsError("ServerException", "nimbus serves no ECS services in this process");
}

}  // namespace

OpResult CreateService(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  EcsStore& s = *e.store;
  std::string name = Str(in, "serviceName");
  if (!ValidServiceName(name)) {
    return Invalid(
        "Service name must be 1-255 characters: letters, numbers, hyphens and underscores.");
  }
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  auto unsupported = CheckUnsupported(in);
  if (!unsupported.ok()) return unsupported.error();
  std::string strategy = Str(in, "schedulingStrategy", "REPLICA");
  if (strategy == "DAEMON") {
    return Invalid(
        "schedulingStrategy DAEMON needs container instances, which nimbus has none of.");
  }
  if (strategy != "REPLICA") return Invalid("schedulingStrategy must be REPLICA or DAEMON.");
  int64_t desired = Int(in, "desiredCount", 0);
  if (desired < 0 || desired > kMaxTasksPerService) return BadDesiredCount();
  if (const Value* tags = Member(in, "tags"); tags && tags->is_array() && tags->size() > 50) {
    return Invalid("Tags can not be more than 50.");
  }
  auto config = DeploymentConfig(in, Value());
  if (!config.ok()) return config.error();
  auto td = ServiceDefinition(s, call, in);
  if (!td.ok()) return td.error();
  Value body = {{"serviceArn", ServiceArn(ScopeOf(call), *cluster, name)},
                {"serviceName", name},
                {"clusterArn", MakeArn("ecs", ScopeOf(call), "cluster/" + *cluster)},
                {"loadBalancers", Value::array()},
                {"serviceRegistries", Value::array()},
                {"status", "ACTIVE"},
                {"desiredCount", desired},
                {"runningCount", 0},
                {"pendingCount", 0},
                {"launchType", Str(in, "launchType", "EC2")},
                {"deploymentConfiguration", *config},
                {"deployments", Value::array()},
                {"events", Value::array()},
                {"createdAt", Now(s)},
                {"placementConstraints", in.value("placementConstraints", Value::array())},
                {"placementStrategy", in.value("placementStrategy", Value::array())},
                {"schedulingStrategy", "REPLICA"},
                {"deploymentController", {{"type", "ECS"}}},
                {"enableECSManagedTags", Bool(in, "enableECSManagedTags")},
                {"propagateTags", Str(in, "propagateTags", "NONE")},
                {"enableExecuteCommand", Bool(in, "enableExecuteCommand")},
                {"availabilityZoneRebalancing", Str(in, "availabilityZoneRebalancing", "DISABLED")},
                {"createdBy", "arn:aws:iam::" + call.account_id + ":root"}};
  if (body["launchType"] == "FARGATE") {
    std::string pv = Str(in, "platformVersion", "LATEST");
    body["platformVersion"] = pv;
    body["platformFamily"] = "Linux";
  }
  if (const Value* net = Member(in, "networkConfiguration")) body["networkConfiguration"] = *net;
  if (auto grace = OptInt(in, "healthCheckGracePeriodSeconds")) {
    body["healthCheckGracePeriodSeconds"] = *grace;
  }
  if (auto role = OptStr(in, "role")) body["roleArn"] = *role;
  auto launch = CheckLaunch(td->body, body);
  if (!launch.ok()) return launch.error();

  ServiceControl& sc = *e.services;
  std::lock_guard<std::mutex> lock(sc.mu);
  auto existing = sc.store->GetService(ScopeOf(call), *cluster, name);
  if (!existing.ok()) return InternalError("ServerException", existing.error());
  if (*existing && (*existing)->status != "INACTIVE") {
    return Invalid("Creation of service was not idempotent.");
  }
  if (*existing) {  // a deleted service of that name: the new one starts without its history
    Status forgot = sc.store->ForgetHistory(ScopeOf(call), *cluster, name);
    if (!forgot.ok()) return InternalError("ServerException", forgot);
  }
  ServiceRow row{*cluster,       name, "ACTIVE", std::move(body), in.value("tags", Value::array()),
                 Value::object()};
  row.state["updatedMs"] = s.clock().NowMillis();
  Status st = Deploy(*sc.store, ScopeOf(call), row, *td, Now(s));
  if (st.ok()) st = sc.store->PutService(ScopeOf(call), row);
  if (!st.ok()) return InternalError("ServerException", st);
  sc.Wake();
  return Value{{"service", ServiceOut(row)}};
}

OpResult UpdateService(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  EcsStore& s = *e.store;
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  auto unsupported = CheckUnsupported(in);
  if (!unsupported.ok()) return unsupported.error();
  ServiceControl& sc = *e.services;
  std::lock_guard<std::mutex> lock(sc.mu);
  auto row = FindActiveService(*sc.store, call, *cluster, in);
  if (!row.ok()) return row.error();
  Value& body = row->body;
  auto config = DeploymentConfig(in, body.value("deploymentConfiguration", Value()));
  if (!config.ok()) return config.error();
  if (auto desired = OptInt(in, "desiredCount")) {
    if (*desired < 0 || *desired > kMaxTasksPerService) return BadDesiredCount();
    body["desiredCount"] = *desired;
    if (!body["deployments"].empty()) body["deployments"][0]["desiredCount"] = *desired;
    row->state["steady"] = false;
  }
  body["deploymentConfiguration"] = *config;
  bool redeploy = Bool(in, "forceNewDeployment");
  std::optional<TaskDefRow> td;
  if (Member(in, "taskDefinition")) {
    auto named = ServiceDefinition(s, call, in);
    if (!named.ok()) return named.error();
    redeploy = redeploy || Str(named->body, "taskDefinitionArn") != Str(body, "taskDefinition");
    td = std::move(*named);
  }
  for (const char* key : {"networkConfiguration", "platformVersion"}) {
    if (const Value* v = Member(in, key); v && body.value(key, Value()) != *v) {
      body[key] = *v;
      redeploy = true;
    }
  }
  if (auto grace = OptInt(in, "healthCheckGracePeriodSeconds")) {
    body["healthCheckGracePeriodSeconds"] = *grace;
  }
  if (auto tags = OptStr(in, "propagateTags")) body["propagateTags"] = *tags;
  if (const Value* v = Member(in, "enableECSManagedTags")) body["enableECSManagedTags"] = *v;
  if (const Value* v = Member(in, "enableExecuteCommand")) body["enableExecuteCommand"] = *v;
  if (!td) {
    auto current = LookupTaskDefinition(s, call, Str(body, "taskDefinition"));
    if (!current.ok()) return InternalError("ServerException", current.error());
    if (!*current) return AwsError("ClientException", "TaskDefinition not found.");
    td = std::move(**current);
  }
  auto launch = CheckLaunch(td->body, body);
  if (!launch.ok()) return launch.error();
  row->state["updatedMs"] = s.clock().NowMillis();
  Status st = redeploy ? Deploy(*sc.store, ScopeOf(call), *row, *td, Now(s)) : Status::Ok();
  if (st.ok()) st = sc.store->PutService(ScopeOf(call), *row);
  if (!st.ok()) return InternalError("ServerException", st);
  sc.Wake();
  return Value{{"service", ServiceOut(*row)}};
}

OpResult DeleteService(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  EcsStore& s = *e.store;
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  ServiceControl& sc = *e.services;
  std::lock_guard<std::mutex> lock(sc.mu);
  auto row = FindActiveService(*sc.store, call, *cluster, in);
  if (!row.ok()) return row.error();
  if (Int(row->body, "desiredCount") > 0 && !Bool(in, "force")) {
    return Invalid("The service cannot be stopped while it is scaled above 0.");
  }
  row->status = "DRAINING";
  row->body["status"] = "DRAINING";
  row->body["desiredCount"] = 0;
  row->state["updatedMs"] = s.clock().NowMillis();
  Status st = sc.store->PutService(ScopeOf(call), *row);
  if (!st.ok()) return InternalError("ServerException", st);
  sc.Wake();
  return Value{{"service", ServiceOut(*row)}};
}

}  // namespace nimbus::ecs::ops
