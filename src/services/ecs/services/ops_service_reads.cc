// DescribeServices, ListServices and the service deployment and revision reads.
#include "services/ecs/ops.h"
#include "services/ecs/services/ops_services.h"
#include "services/ecs/services/service_json.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"

namespace nimbus::ecs::ops {
namespace {

constexpr char kServicesToken[] = "nimbus/ecs-services/";
constexpr int64_t kDeletedServiceMillis = 3600 * 1000;  // INACTIVE services describable ~1 h

AwsError Invalid(std::string message) {
  return AwsError("InvalidParameterException", std::move(message));
}

AwsError NoServices() {
  return AwsError("ServerException", "nimbus serves no ECS services in this process");
}

// The strings of list member `key`, between 1 and `max` of them, or AWS's error.
Result<std::vector<std::string>, AwsError> Refs(const Value& in, const char* key, size_t max) {
  const Value* refs = Member(in, key);
  if (refs == nullptr || !refs->is_array() || refs->empty()) {
    return Invalid(std::string(key) + " cannot be empty.");
  }
  if (refs->size() > max) {
    return Invalid(std::string(key) + " cannot have more than " + std::to_string(max) +
                   " elements.");
  }
  std::vector<std::string> out;
  for (const Value& r : *refs) out.push_back(r.is_string() ? r.get<std::string>() : "");
  return out;
}

// The service store, once the services AWS would have purged by now (with their history) are
// gone: best effort, a read answers from what is there.
ServiceStore& ForgetDeleted(EcsState& e) {
  ServiceStore& store = *e.services->store;
  (void)store.ForgetDeletedBefore(e.store->clock().NowMillis() - kDeletedServiceMillis);
  return store;
}

// Describe by ARN over `get`: found bodies and MISSING failures.
template <class Get>
OpResult DescribeByArn(const Value& in, const char* key, const char* out_key, Get get) {
  auto arns = Refs(in, key, 20);
  if (!arns.ok()) return arns.error();
  Value found = Value::array(), failures = Value::array();
  for (const std::string& arn : *arns) {
    auto body = get(arn);
    if (!body.ok()) return InternalError("ServerException", body.error());
    if (*body) {
      found.push_back(std::move(**body));
    } else {
      failures.push_back({{"arn", arn}, {"reason", "MISSING"}});
    }
  }
  return Value{{out_key, found}, {"failures", failures}};
}

}  // namespace

OpResult DescribeServices(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  auto cluster = UseCluster(*e.store, call, in);
  if (!cluster.ok()) return cluster.error();
  auto refs = Refs(in, "services", 10);
  if (!refs.ok()) return refs.error();
  ServiceStore& store = ForgetDeleted(e);
  bool tags = Includes(in, "TAGS");
  Value services = Value::array(), failures = Value::array();
  for (const std::string& ref : *refs) {
    auto name = ServiceNameOf(ScopeOf(call), *cluster, ref);
    std::optional<ServiceRow> row;
    if (name && !name->empty()) {
      auto got = store.GetService(ScopeOf(call), *cluster, *name);
      if (!got.ok()) return InternalError("ServerException", got.error());
      row = std::move(*got);
    }
    if (!row) {
      std::string arn = ref.rfind("arn:", 0) == 0 ? ref : ServiceArn(ScopeOf(call), *cluster, ref);
      failures.push_back({{"arn", arn}, {"reason", "MISSING"}});
      continue;
    }
    Value out = row->body;
    if (tags) out["tags"] = row->tags;
    services.push_back(std::move(out));
  }
  return Value{{"services", services}, {"failures", failures}};
}

OpResult ListServices(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  auto cluster = UseCluster(*e.store, call, in);
  if (!cluster.ok()) return cluster.error();
  int64_t limit = Int(in, "maxResults", 10);
  if (limit < 1 || limit > 100) return Invalid("maxResults must be between 1 and 100.");
  std::string after;
  if (auto token = OptStr(in, "nextToken")) {
    auto decoded = DecodeTaggedToken(kServicesToken, *token);
    if (!decoded) return Invalid("Invalid token");
    after = *decoded;
  }
  std::string launch = Str(in, "launchType");
  std::string strategy = Str(in, "schedulingStrategy");
  ServiceStore& store = *e.services->store;
  Value arns = Value::array();
  Value out = Value::object();
  // Filters apply after paging by name: read pages until one is full or none is left.
  for (;;) {
    auto names = store.ListServices(ScopeOf(call), *cluster, after, static_cast<int>(limit));
    if (!names.ok()) return InternalError("ServerException", names.error());
    for (const std::string& name : *names) {
      after = name;
      if (!launch.empty() || !strategy.empty()) {
        auto row = store.GetService(ScopeOf(call), *cluster, name);
        if (!row.ok()) return InternalError("ServerException", row.error());
        if (!*row) continue;
        if (!launch.empty() && Str((*row)->body, "launchType") != launch) continue;
        if (!strategy.empty() && Str((*row)->body, "schedulingStrategy") != strategy) continue;
      }
      arns.push_back(ServiceArn(ScopeOf(call), *cluster, name));
      if (static_cast<int64_t>(arns.size()) == limit) break;
    }
    bool full = static_cast<int64_t>(arns.size()) == limit;
    bool more = static_cast<int64_t>(names->size()) == limit;
    if (full && more) out["nextToken"] = EncodeTaggedToken(kServicesToken, after);
    if (full || !more) break;
  }
  out["serviceArns"] = arns;
  return out;
}

OpResult ListServiceDeployments(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  auto cluster = UseCluster(*e.store, call, in);
  if (!cluster.ok()) return cluster.error();
  ServiceStore& store = ForgetDeleted(e);
  auto name = ServiceNameOf(ScopeOf(call), *cluster, Str(in, "service"));
  std::optional<ServiceRow> row;
  if (name && !name->empty()) {
    auto got = store.GetService(ScopeOf(call), *cluster, *name);
    if (!got.ok()) return InternalError("ServerException", got.error());
    row = std::move(*got);
  }
  if (!row) return AwsError("ServiceNotFoundException", "Service not found.");
  int64_t limit = Int(in, "maxResults", 20);
  if (limit < 1 || limit > 100) return Invalid("maxResults must be between 1 and 100.");
  size_t offset = 0;
  if (auto token = OptStr(in, "nextToken")) {
    auto decoded = DecodeOffsetToken(*token);
    if (!decoded) return Invalid("Invalid token");
    offset = *decoded;
  }
  const Value* statuses = Member(in, "status");
  const Value* created = Member(in, "createdAt");
  auto all = store.Deployments(ScopeOf(call), *cluster, *name);
  if (!all.ok()) return InternalError("ServerException", all.error());
  std::vector<Value> matching;
  for (const Value& d : *all) {
    if (statuses && statuses->is_array() && !statuses->empty() &&
        std::find(statuses->begin(), statuses->end(), d.value("status", Value())) ==
            statuses->end()) {
      continue;
    }
    double at = d.value("createdAt", 0.0);
    const Value* after = created ? Member(*created, "after") : nullptr;
    const Value* before = created ? Member(*created, "before") : nullptr;
    if (after && after->is_number() && at < after->get<double>()) continue;
    if (before && before->is_number() && at > before->get<double>()) continue;
    matching.push_back(d);
  }
  Value briefs = Value::array();
  for (size_t i = offset; i < matching.size() && briefs.size() < static_cast<size_t>(limit); ++i) {
    const Value& d = matching[i];
    Value brief = Value::object();
    for (const char* key : {"serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt",
                            "createdAt", "finishedAt", "status", "statusReason"}) {
      if (d.contains(key)) brief[key] = d[key];
    }
    if (const Value* target = Member(d, "targetServiceRevision")) {
      brief["targetServiceRevisionArn"] = Str(*target, "arn");
    }
    briefs.push_back(std::move(brief));
  }
  Value out = {{"serviceDeployments", briefs}};
  if (offset + briefs.size() < matching.size()) {
    out["nextToken"] = EncodeOffsetToken(offset + briefs.size());
  }
  return out;
}

OpResult DescribeServiceDeployments(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  ServiceStore& store = ForgetDeleted(e);
  return DescribeByArn(
      in, "serviceDeploymentArns", "serviceDeployments",
      [&](const std::string& arn) { return store.GetDeployment(ScopeOf(call), arn); });
}

OpResult DescribeServiceRevisions(EcsState& e, const CallContext& call, const Value& in) {
  if (!e.services) return NoServices();
  ServiceStore& store = ForgetDeleted(e);
  return DescribeByArn(in, "serviceRevisionArns", "serviceRevisions", [&](const std::string& arn) {
    return store.GetRevision(ScopeOf(call), arn);
  });
}

}  // namespace nimbus::ecs::ops
