// Tags of ECS resources (clusters, task definition revisions, tasks, services).
#include <mutex>
#include <set>

#include "services/ecs/ops.h"
#include "services/ecs/task_json.h"
#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"

namespace nimbus::ecs::ops {
namespace {

AwsError Invalid(std::string message) {
  return AwsError("InvalidParameterException", std::move(message));
}

AwsError NotFound() {
  return AwsError("ResourceNotFoundException", "The specified resource wasn't found.");
}

// A taggable resource of the caller's scope.
struct Resource {
  enum Kind { kCluster, kTaskDefinition, kTask, kService } kind;
  std::string name;      // cluster name, task definition family, task id or service name
  int64_t revision = 0;  // task definitions
  std::string cluster;   // services
};

Result<Resource, AwsError> ParseResource(const CallContext& call, const std::string& text) {
  auto arn = ParseArn(text);
  if (!arn || arn->service != "ecs") return Invalid("Invalid ARN: " + text);
  if (arn->scope != ScopeOf(call)) return NotFound();
  const std::string& r = arn->resource;
  if (r.rfind("cluster/", 0) == 0) return Resource{Resource::kCluster, r.substr(8)};
  if (r.rfind("task-definition/", 0) == 0) {
    std::string rest = r.substr(16);
    size_t colon = rest.find(':');
    std::string digits = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return Invalid("Invalid ARN: " + text);
    }
    return Resource{Resource::kTaskDefinition, rest.substr(0, colon), std::stoll(digits)};
  }
  if (r.rfind("task/", 0) == 0) {
    auto ref = ParseTaskRef(ScopeOf(call), text);
    if (!ref) return Invalid("Invalid ARN: " + text);
    if (ref->cluster.empty()) return Invalid("Long arn format must be used for tagging operations");
    return Resource{Resource::kTask, ref->id};
  }
  if (r.rfind("service/", 0) == 0) {
    std::string rest = r.substr(8);
    size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      return Invalid("Long arn format must be used for tagging operations");
    }
    return Resource{Resource::kService, rest.substr(slash + 1), 0, rest.substr(0, slash)};
  }
  return NotFound();
}

// The resource's tags, or nullopt when it does not exist.
Result<std::optional<Value>, AwsError> ReadTags(EcsState& e, const CallContext& call,
                                                const Resource& r) {
  EcsStore& s = *e.store;
  Scope scope = ScopeOf(call);
  switch (r.kind) {
    case Resource::kCluster: {
      auto row = s.GetCluster(scope, r.name);
      if (!row.ok()) return InternalError("ServerException", row.error());
      if (!*row || (*row)->status != "ACTIVE") return std::optional<Value>();
      return std::optional<Value>((*row)->tags);
    }
    case Resource::kTaskDefinition: {
      auto row = s.GetRevision(scope, r.name, r.revision);
      if (!row.ok()) return InternalError("ServerException", row.error());
      if (!*row) return std::optional<Value>();
      return std::optional<Value>((*row)->tags);
    }
    case Resource::kTask: {
      auto row = s.GetTask(scope, r.name);
      if (!row.ok()) return InternalError("ServerException", row.error());
      if (!*row) return std::optional<Value>();
      return std::optional<Value>((*row)->tags);
    }
    case Resource::kService: {
      if (!e.services) return std::optional<Value>();
      auto row = e.services->store->GetService(scope, r.cluster, r.name);
      if (!row.ok()) return InternalError("ServerException", row.error());
      if (!*row || (*row)->status == "INACTIVE") return std::optional<Value>();
      return std::optional<Value>((*row)->tags);
    }
  }
  return std::optional<Value>();
}

Status WriteTags(EcsState& e, const CallContext& call, const Resource& r, const Value& tags) {
  EcsStore& s = *e.store;
  Scope scope = ScopeOf(call);
  auto status = [](const Result<bool>& r) { return r.ok() ? Status::Ok() : r.error(); };
  switch (r.kind) {
    case Resource::kCluster:
      return status(s.SetClusterTags(scope, r.name, tags));
    case Resource::kTaskDefinition:
      return status(s.SetTaskDefTags(scope, r.name, r.revision, tags));
    case Resource::kTask:
      return s.SetTaskTags(scope, r.name, tags);
    case Resource::kService: {  // ReadTags found it, under ServiceControl's lock
      auto row = e.services->store->GetService(scope, r.cluster, r.name);
      if (!row.ok()) return row.error();
      if (!*row) return Status::Ok();
      (*row)->tags = tags;
      return e.services->store->PutService(scope, **row);
    }
  }
  return Status::Ok();
}

// Reads the resource's tags, lets `change` edit them, writes them back.
OpResult ChangeTags(EcsState& e, const CallContext& call, const Value& in,
                    const std::function<std::optional<AwsError>(Value&)>& change) {
  auto r = ParseResource(call, Str(in, "resourceArn"));
  if (!r.ok()) return r.error();
  std::unique_lock<std::mutex> lock;  // a service's row is read and written under its lock
  if (r->kind == Resource::kService && e.services) lock = std::unique_lock(e.services->mu);
  auto tags = ReadTags(e, call, *r);
  if (!tags.ok()) return tags.error();
  if (!*tags) return NotFound();
  if (auto err = change(**tags)) return *err;
  Status st = WriteTags(e, call, *r, **tags);
  if (!st.ok()) return InternalError("ServerException", st);
  return Value::object();
}

}  // namespace

OpResult TagResource(EcsState& e, const CallContext& call, const Value& in) {
  const Value* add = Member(in, "tags");
  if (add == nullptr || !add->is_array() || add->empty()) return Invalid("Tags can not be empty.");
  return ChangeTags(e, call, in, [&](Value& tags) -> std::optional<AwsError> {
    for (const Value& t : *add) {
      std::string key = Str(t, "key");
      if (key.empty() || key.size() > 128) return Invalid("Tag key must be 1 to 128 characters.");
      if (key.rfind("aws:", 0) == 0) return Invalid("Tag keys can not start with aws:.");
      bool replaced = false;
      for (Value& old : tags) {
        if (Str(old, "key") == key) {
          old = t;
          replaced = true;
        }
      }
      if (!replaced) tags.push_back(t);
    }
    if (tags.size() > 50) return Invalid("Tags can not be more than 50.");
    return std::nullopt;
  });
}

OpResult UntagResource(EcsState& e, const CallContext& call, const Value& in) {
  std::set<std::string> drop;
  if (const Value* keys = Member(in, "tagKeys"); keys && keys->is_array()) {
    for (const Value& k : *keys) {
      if (k.is_string()) drop.insert(k.get<std::string>());
    }
  }
  return ChangeTags(e, call, in, [&](Value& tags) -> std::optional<AwsError> {
    Value kept = Value::array();
    for (const Value& t : tags) {
      if (!drop.count(Str(t, "key"))) kept.push_back(t);
    }
    tags = std::move(kept);
    return std::nullopt;
  });
}

OpResult ListTagsForResource(EcsState& e, const CallContext& call, const Value& in) {
  auto r = ParseResource(call, Str(in, "resourceArn"));
  if (!r.ok()) return r.error();
  auto tags = ReadTags(e, call, *r);
  if (!tags.ok()) return tags.error();
  if (!*tags) return NotFound();
  return Value{{"tags", **tags}};
}

}  // namespace nimbus::ecs::ops
