// Put/Get/DeleteFunctionConcurrency, GetAccountSettings, TagResource, UntagResource, ListTags.
#include "services/kit/input.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

constexpr int kMinUnreserved = 100;

}  // namespace

OpResult LambdaControl::PutFunctionConcurrency(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  int64_t n = Int(in, "ReservedConcurrentExecutions", -1);
  Violations viol;
  viol.Min(n, 0, "reservedConcurrentExecutions");
  if (!viol.empty()) return viol.Error();
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  int64_t others = ReservedTotal(ref.account, ref.region, ref.name);
  if (opts_.account_concurrency - (others + n) < kMinUnreserved) {
    return InvalidParam(
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [" +
        std::to_string(kMinUnreserved) + "].");
  }
  auto next = std::make_shared<FunctionState>(*cur);
  next->reserved_concurrency = static_cast<int>(n);
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the concurrency: " + st.message());
  return Value{{"ReservedConcurrentExecutions", n}};
}

OpResult LambdaControl::GetFunctionConcurrency(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  Value out = Value::object();
  if (found->second->reserved_concurrency) {
    out["ReservedConcurrentExecutions"] = *found->second->reserved_concurrency;
  }
  return out;
}

OpResult LambdaControl::DeleteFunctionConcurrency(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  auto next = std::make_shared<FunctionState>(*cur);
  next->reserved_concurrency.reset();
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the concurrency: " + st.message());
  return Value::object();
}

OpResult LambdaControl::GetAccountSettings(const CallContext& call, const Value&) {
  int64_t code_size = 0, count = 0;
  {
    std::shared_lock lock(state_mu_);
    std::string prefix = ScopedKey(ScopeOf(call), "");
    for (auto it = functions_.lower_bound(prefix);
         it != functions_.end() && it->first.starts_with(prefix); ++it) {
      ++count;
      code_size += Int(it->second->latest.config, "CodeSize");
      for (const auto& [n, v] : it->second->versions) code_size += Int(v.config, "CodeSize");
    }
  }
  int reserved = ReservedTotal(call.account_id, call.region, "");
  return Value{{"AccountLimit",
                {{"TotalCodeSize", int64_t{80530636800}},
                 {"CodeSizeUnzipped", static_cast<int64_t>(kMaxUnzippedBytes)},
                 {"CodeSizeZipped", static_cast<int64_t>(kMaxZippedBytes)},
                 {"ConcurrentExecutions", opts_.account_concurrency},
                 {"UnreservedConcurrentExecutions", opts_.account_concurrency - reserved}}},
               {"AccountUsage", {{"TotalCodeSize", code_size}, {"FunctionCount", count}}}};
}

// Tags live on the unqualified function; the Resource must be its ARN.
OpResult LambdaControl::TagResource(const CallContext& call, const Value& in) {
  std::string resource = Str(in, "Resource");
  auto ref = ParseFunctionRef(resource, true, "resource");
  if (!ref.ok()) return ref.error();
  if (!resource.starts_with("arn:")) {
    Violations v;
    v.Add(resource, "resource", "Member must satisfy regular expression pattern: arn:.*");
    return v.Error();
  }
  if (!ref->qualifier.empty()) {
    return InvalidParam(
        "Tags on function aliases and versions are not supported. Please "
        "specify a function ARN.");
  }
  Value lookup = {{"FunctionName", resource}};
  auto found = Lookup(call, lookup, nullptr);
  if (!found.ok()) return found.error();
  const Value* tags = Member(in, "Tags");
  const Value* keys = Member(in, "TagKeys");
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(found->first.account, found->first.region, found->first.name);
  if (cur == nullptr) return FunctionNotFound(resource);
  auto next = std::make_shared<FunctionState>(*cur);
  if (call.operation == "UntagResource" || (keys && !tags)) {
    if (keys && keys->is_array()) {
      for (const Value& k : *keys) {
        if (k.is_string()) next->tags.erase(k.get<std::string>());
      }
    }
  } else if (tags && tags->is_object()) {
    for (auto it = tags->begin(); it != tags->end(); ++it) {
      if (!it->is_string()) return ValidationError("Tag values must be strings");
      next->tags[it.key()] = *it;
    }
    if (next->tags.size() > 50) return InvalidParam("Number of tags exceeds resource tag limit.");
  }
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the tags: " + st.message());
  return Value::object();
}

OpResult LambdaControl::UntagResource(const CallContext& call, const Value& in) {
  Value copy = in;
  copy.erase("Tags");
  if (!copy.contains("TagKeys")) copy["TagKeys"] = Value::array();
  return TagResource(call, copy);
}

OpResult LambdaControl::ListTags(const CallContext& call, const Value& in) {
  std::string resource = Str(in, "Resource");
  auto ref = ParseFunctionRef(resource, true, "resource");
  if (!ref.ok()) return ref.error();
  if (!ref->qualifier.empty()) {
    return InvalidParam(
        "Tags on function aliases and versions are not supported. Please "
        "specify a function ARN.");
  }
  Value lookup = {{"FunctionName", resource}};
  auto found = Lookup(call, lookup, nullptr);
  if (!found.ok()) return found.error();
  return Value{{"Tags", found->second->tags}};
}

}  // namespace nimbus::lambda
