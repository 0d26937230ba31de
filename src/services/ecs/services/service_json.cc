#include "services/ecs/services/service_json.h"

#include <algorithm>

#include "services/kit/arn.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

constexpr size_t kMaxEvents = 100;

// `n` decimal digits, the first not zero (deployment and revision ids).
std::string Digits(size_t n, RandomSource& random) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<char>('0' + (i == 0 ? 1 + random.Next() % 9 : random.Next() % 10)));
  }
  return out;
}

// `n` characters of the URL-safe base64 alphabet (service deployment ids).
std::string UrlSafeId(size_t n, RandomSource& random) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kAlphabet[random.Next() % 64]);
  return out;
}

std::string Cluster(const Value& service) {
  std::string arn = Str(service, "clusterArn");
  return arn.substr(arn.rfind('/') + 1);
}

}  // namespace

std::string ServiceArn(const Scope& scope, const std::string& cluster, const std::string& name) {
  return MakeArn("ecs", scope, "service/" + cluster + "/" + name);
}

bool ValidServiceName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::optional<std::string> ServiceNameOf(const Scope& scope, const std::string& cluster,
                                         const std::string& ref) {
  if (ref.rfind("arn:", 0) != 0) return ref;
  auto arn = ParseArn(ref);
  if (!arn || arn->service != "ecs" || arn->scope != scope) return std::nullopt;
  if (arn->resource.rfind("service/", 0) != 0) return std::nullopt;
  std::string rest = arn->resource.substr(8);
  size_t slash = rest.find('/');
  if (slash == std::string::npos) return rest;  // the old ARN format names no cluster
  if (rest.substr(0, slash) != cluster) return std::nullopt;
  return rest.substr(slash + 1);
}

NewDeployment MakeDeployment(const Scope& scope, const Value& service, const Value& state,
                             const DeploymentSpec& spec, double now, RandomSource& random) {
  NewDeployment d;
  std::string cluster = Cluster(service);
  std::string name = Str(service, "serviceName");
  std::string prefix = cluster + "/" + name + "/";
  d.id = "ecs-svc/" + Digits(19, random);
  d.revision_arn = MakeArn("ecs", scope, "service-revision/" + prefix + Digits(19, random));
  d.service_deployment_arn =
      MakeArn("ecs", scope, "service-deployment/" + prefix + UrlSafeId(20, random));
  d.entry = {{"id", d.id},
             {"status", "PRIMARY"},
             {"taskDefinition", spec.task_definition},
             {"desiredCount", spec.desired_count},
             {"pendingCount", 0},
             {"runningCount", 0},
             {"failedTasks", 0},
             {"createdAt", now},
             {"updatedAt", now},
             {"launchType", spec.launch_type},
             {"rolloutState", "IN_PROGRESS"},
             {"rolloutStateReason", "ECS deployment " + d.id + " in progress."}};
  d.revision = {{"serviceRevisionArn", d.revision_arn},
                {"serviceArn", Str(service, "serviceArn")},
                {"clusterArn", Str(service, "clusterArn")},
                {"taskDefinition", spec.task_definition},
                {"launchType", spec.launch_type},
                {"loadBalancers", Value::array()},
                {"serviceRegistries", Value::array()},
                {"containerImages", Value::array()},
                {"guardDutyEnabled", false},
                {"createdAt", now}};
  if (!spec.platform_version.empty()) {
    d.entry["platformVersion"] = spec.platform_version;
    d.entry["platformFamily"] = "Linux";
    d.revision["platformVersion"] = spec.platform_version;
    d.revision["platformFamily"] = "Linux";
  }
  if (!spec.network_configuration.is_null()) {
    d.entry["networkConfiguration"] = spec.network_configuration;
    d.revision["networkConfiguration"] = spec.network_configuration;
  }
  Value sources = Value::array();
  const Value* known = Member(state, "deployments");
  for (const Value& old : service.value("deployments", Value::array())) {
    const Value* info = known ? Member(*known, Str(old, "id").c_str()) : nullptr;
    if (info == nullptr) continue;
    sources.push_back({{"arn", Str(*info, "revision")},
                       {"requestedTaskCount", Int(old, "desiredCount")},
                       {"runningTaskCount", Int(old, "runningCount")},
                       {"pendingTaskCount", Int(old, "pendingCount")}});
  }
  Value config = service.value("deploymentConfiguration", Value::object());
  const Value* breaker = Member(config, "deploymentCircuitBreaker");
  bool monitoring = breaker != nullptr && Bool(*breaker, "enable");
  d.service_deployment = {
      {"serviceDeploymentArn", d.service_deployment_arn},
      {"serviceArn", Str(service, "serviceArn")},
      {"clusterArn", Str(service, "clusterArn")},
      {"createdAt", now},
      {"startedAt", now},
      {"updatedAt", now},
      {"sourceServiceRevisions", sources},
      {"targetServiceRevision",
       {{"arn", d.revision_arn},
        {"requestedTaskCount", spec.desired_count},
        {"runningTaskCount", 0},
        {"pendingTaskCount", 0}}},
      {"status", "IN_PROGRESS"},
      {"deploymentConfiguration", config},
      {"deploymentCircuitBreaker",
       {{"status", monitoring ? "MONITORING" : "DISABLED"},
        {"failureCount", 0},
        {"threshold", FailureThreshold(spec.desired_count)}}},
  };
  return d;
}

void AddDeployment(Value& service, Value& state, const NewDeployment& made) {
  Value deployments = Value::array({made.entry});
  for (Value old : service.value("deployments", Value::array())) {
    old["status"] = "ACTIVE";
    deployments.push_back(std::move(old));
  }
  service["deployments"] = std::move(deployments);
  service["taskDefinition"] = Str(made.entry, "taskDefinition");
  service["currentServiceDeployment"] = made.service_deployment_arn;
  if (!state.contains("deployments") || !state["deployments"].is_object()) {
    state["deployments"] = Value::object();
  }
  state["deployments"][made.id] = {
      {"revision", made.revision_arn}, {"serviceDeployment", made.service_deployment_arn},
      {"tasks", Value::array()},       {"pinned", false},
      {"pins", Value::object()},       {"failed", 0}};
  state["steady"] = false;
}

int64_t FailureThreshold(int64_t desired) {
  int64_t half = (desired + 1) / 2;
  return std::min<int64_t>(200, std::max<int64_t>(3, half));
}

void AddEvent(Value& service, const std::string& message, double now, RandomSource& random) {
  Value events =
      Value::array({{{"id", NewUuid(random)}, {"createdAt", now}, {"message", message}}});
  for (Value& e : service.value("events", Value::array())) {
    if (events.size() >= kMaxEvents) break;
    events.push_back(std::move(e));
  }
  service["events"] = std::move(events);
}

std::string ServicePrefix(const Value& service) {
  return "(service " + Str(service, "serviceName") + ")";
}

}  // namespace nimbus::ecs
