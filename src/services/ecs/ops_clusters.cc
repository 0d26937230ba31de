// Cluster operations: create, describe (with failures for missing ones), list, delete.
#include "services/ecs/ops.h"
#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"

namespace nimbus::ecs::ops {
namespace {

bool ValidClusterName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

Value ClusterJson(const CallContext& call, const ClusterRow& c, bool with_tags,
                  int64_t active_services = 0) {
  Value out = {{"clusterArn", MakeArn("ecs", ScopeOf(call), "cluster/" + c.name)},
               {"clusterName", c.name},
               {"status", c.status},
               {"registeredContainerInstancesCount", 0},
               {"runningTasksCount", 0},
               {"pendingTasksCount", 0},
               {"activeServicesCount", active_services},
               {"statistics", Value::array()},
               {"settings", c.settings},
               {"capacityProviders", Value::array()},
               {"defaultCapacityProviderStrategy", Value::array()}};
  if (with_tags) out["tags"] = c.tags;
  return out;
}

}  // namespace

std::optional<std::string> ClusterName(const CallContext& call, const std::string& ref) {
  if (ref.rfind("arn:", 0) != 0) return ref;
  auto arn = ParseArn(ref);
  if (!arn || arn->service != "ecs" || arn->scope != ScopeOf(call)) return std::nullopt;
  if (arn->resource.rfind("cluster/", 0) != 0) return std::nullopt;
  return arn->resource.substr(8);
}

Result<std::string, AwsError> UseCluster(EcsStore& s, const CallContext& call, const Value& in) {
  auto name = ClusterName(call, Str(in, "cluster", "default"));
  std::optional<ClusterRow> row;
  if (name && ValidClusterName(*name)) {
    auto used = s.UseCluster(ScopeOf(call), *name);
    if (!used.ok()) return InternalError("ServerException", used.error());
    row = std::move(*used);
  }
  if (!row) return AwsError("ClusterNotFoundException", "Cluster not found.");
  return row->name;
}

bool Includes(const Value& in, const char* what) {
  const Value* inc = Member(in, "include");
  if (inc == nullptr || !inc->is_array()) return false;
  for (const Value& v : *inc) {
    if (v == what) return true;
  }
  return false;
}

Result<int, AwsError> PageSize(const Value& in) {
  auto n = OptInt(in, "maxResults");
  if (!n) return 100;
  if (*n < 1 || *n > 100) {
    return AwsError("InvalidParameterException",
                    "maxResults must be between 1 and 100, inclusive.");
  }
  return static_cast<int>(*n);
}

OpResult CreateCluster(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  std::string name = Str(in, "clusterName", "default");
  if (!ValidClusterName(name)) {
    return AwsError("InvalidParameterException",
                    "Cluster name must match ^[a-zA-Z0-9\\-_]{1,255}$, but was " + name);
  }
  Value settings = Member(in, "settings") ? in["settings"] : Value::array();
  if (settings.empty()) {
    settings.push_back({{"name", "containerInsights"}, {"value", "disabled"}});
  }
  Value tags = Member(in, "tags") ? in["tags"] : Value::array();
  auto row = s.CreateCluster(ScopeOf(call), name, tags, settings);
  if (!row.ok()) return InternalError("ServerException", row.error());
  return Value{{"cluster", ClusterJson(call, *row, true)}};
}

OpResult DescribeClusters(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  Value refs = Member(in, "clusters") ? in["clusters"] : Value::array({"default"});
  if (refs.empty()) refs.push_back("default");
  bool tags = Includes(in, "TAGS");
  Value clusters = Value::array(), failures = Value::array();
  for (const Value& ref : refs) {
    std::string text = ref.is_string() ? ref.get<std::string>() : "";
    auto name = ClusterName(call, text);
    std::optional<ClusterRow> row;
    if (name && ValidClusterName(*name)) {
      auto got = s.GetCluster(ScopeOf(call), *name);
      if (!got.ok()) return InternalError("ServerException", got.error());
      row = std::move(*got);
    }
    if (row) {
      int64_t services = 0;  // ACTIVE and DRAINING ones, as AWS counts
      if (e.services && row->status == "ACTIVE") {
        auto names = e.services->store->ListServices(ScopeOf(call), row->name, "", 5000);
        if (!names.ok()) return InternalError("ServerException", names.error());
        services = static_cast<int64_t>(names->size());
      }
      clusters.push_back(ClusterJson(call, *row, tags, services));
    } else {
      std::string arn =
          text.rfind("arn:", 0) == 0 ? text : MakeArn("ecs", ScopeOf(call), "cluster/" + text);
      failures.push_back({{"arn", arn}, {"reason", "MISSING"}});
    }
  }
  return Value{{"clusters", clusters}, {"failures", failures}};
}

OpResult ListClusters(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto limit = PageSize(in);
  if (!limit.ok()) return limit.error();
  std::string after;
  if (auto token = OptStr(in, "nextToken")) {
    auto decoded = DecodeTaggedToken("nimbus/ecs-clusters/", *token);
    if (!decoded) return AwsError("InvalidParameterException", "Invalid token");
    after = *decoded;
  }
  auto names = s.ListClusters(ScopeOf(call), after, *limit + 1);
  if (!names.ok()) return InternalError("ServerException", names.error());
  Value arns = Value::array();
  bool more = static_cast<int>(names->size()) > *limit;
  if (more) names->pop_back();
  for (const std::string& n : *names) arns.push_back(MakeArn("ecs", ScopeOf(call), "cluster/" + n));
  Value out = {{"clusterArns", arns}};
  if (more) out["nextToken"] = EncodeTaggedToken("nimbus/ecs-clusters/", names->back());
  return out;
}

OpResult DeleteCluster(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto name = ClusterName(call, Str(in, "cluster"));
  std::optional<ClusterRow> row;
  if (name && ValidClusterName(*name) && e.services) {
    auto services = e.services->store->ListServices(ScopeOf(call), *name, "", 1);
    if (!services.ok()) return InternalError("ServerException", services.error());
    if (!services->empty()) {
      return AwsError("ClusterContainsServicesException",
                      "The Cluster cannot be deleted while Services are active.");
    }
  }
  if (name && ValidClusterName(*name)) {
    auto deleted = s.DeleteCluster(ScopeOf(call), *name);
    if (!deleted.ok()) return InternalError("ServerException", deleted.error());
    row = std::move(*deleted);
  }
  if (!row) return AwsError("ClusterNotFoundException", "Cluster not found.");
  return Value{{"cluster", ClusterJson(call, *row, true)}};
}

}  // namespace nimbus::ecs::ops
