// CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.
#include "core/ids.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

// Checks FunctionVersion and RoutingConfig of an alias against the function's versions.
std::optional<AwsError> CheckTargets(const FunctionState& f, const std::string& version,
                                     const Value* routing) {
  auto exists = [&f](const std::string& v) {
    return v == kLatest || (IsVersionNumber(v) && f.versions.count(std::stoll(v)) > 0);
  };
  if (!exists(version)) {
    return FunctionNotFound(QualifiedArn(f.region, f.account, f.name, version));
  }
  const Value* weights = routing ? Member(*routing, "AdditionalVersionWeights") : nullptr;
  if (weights == nullptr) return std::nullopt;
  if (!weights->is_object()) return ValidationError("AdditionalVersionWeights must be a map");
  if (weights->size() > 1) {
    return InvalidParam("Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  for (auto it = weights->begin(); it != weights->end(); ++it) {
    double w = it->is_number() ? it->get<double>() : -1;
    if (w < 0.0 || w > 1.0) {
      Violations v;
      v.Add(it->dump(), "routingConfig.additionalVersionWeights",
            "Map value must satisfy constraint: [Member must have value less than or equal to "
            "1.0, Member must have value greater than or equal to 0.0]");
      return v.Error();
    }
    if (version == kLatest) {
      return InvalidParam("$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (!IsVersionNumber(it.key())) {
      Violations v;
      v.Add(it.key(), "routingConfig.additionalVersionWeights",
            "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
            "[0-9]+]");
      return v.Error();
    }
    if (it.key() == version) {
      return InvalidParam("Invalid function version " + version + ". Function version " + version +
                          " is already included in primary version.");
    }
    if (!exists(it.key())) {
      return FunctionNotFound(QualifiedArn(f.region, f.account, f.name, it.key()));
    }
  }
  return std::nullopt;
}

AwsError AliasNameError(const std::string& name) {
  Violations v;
  v.Add(name, "name",
        "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  return v.Error();
}

}  // namespace

OpResult LambdaControl::CreateAlias(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::string name = Str(in, "Name");
  if (!IsValidAliasName(name)) return AliasNameError(name);
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  std::string arn = QualifiedArn(ref.region, ref.account, ref.name, name);
  if (cur->aliases.count(name)) return Conflict("Alias already exists: " + arn);
  std::string version = Str(in, "FunctionVersion");
  const Value* routing = Member(in, "RoutingConfig");
  if (auto e = CheckTargets(*cur, version, routing)) return *e;
  Value alias = {{"AliasArn", arn},
                 {"Name", name},
                 {"FunctionVersion", version},
                 {"Description", Str(in, "Description")},
                 {"RevisionId", NewUuid()}};
  if (routing && Member(*routing, "AdditionalVersionWeights")) alias["RoutingConfig"] = *routing;
  auto next = std::make_shared<FunctionState>(*cur);
  next->aliases[name] = alias;
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the alias: " + st.message());
  return alias;
}

OpResult LambdaControl::GetAlias(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionState& f = *found->second;
  std::string name = Str(in, "Name");
  auto it = f.aliases.find(name);
  if (it == f.aliases.end()) {
    return NotFound("Cannot find alias arn: " + QualifiedArn(f.region, f.account, f.name, name));
  }
  return it->second;
}

OpResult LambdaControl::UpdateAlias(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::string name = Str(in, "Name");
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  auto it = cur->aliases.find(name);
  if (it == cur->aliases.end()) {
    return NotFound("Cannot find alias arn: " +
                    QualifiedArn(ref.region, ref.account, ref.name, name));
  }
  Value alias = it->second;
  auto rev = OptStr(in, "RevisionId");
  if (rev && *rev != Str(alias, "RevisionId")) return RevisionMismatch("GetAlias");
  if (auto v = OptStr(in, "FunctionVersion")) alias["FunctionVersion"] = *v;
  if (auto d = OptStr(in, "Description")) alias["Description"] = *d;
  const Value* routing = Member(in, "RoutingConfig");
  if (routing) {
    const Value* w = Member(*routing, "AdditionalVersionWeights");
    if (w && !w->empty()) {
      alias["RoutingConfig"] = *routing;
    } else {
      alias.erase("RoutingConfig");
    }
  }
  if (auto e = CheckTargets(*cur, Str(alias, "FunctionVersion"), Member(alias, "RoutingConfig"))) {
    return *e;
  }
  alias["RevisionId"] = NewUuid();
  auto next = std::make_shared<FunctionState>(*cur);
  next->aliases[name] = alias;
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the alias: " + st.message());
  return alias;
}

OpResult LambdaControl::DeleteAlias(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  std::string name = Str(in, "Name");
  if (!cur->aliases.count(name)) return Value::object();
  auto next = std::make_shared<FunctionState>(*cur);
  next->aliases.erase(name);
  next->event_configs.erase(name);
  next->url_configs.erase(name);  // its function URL goes with it
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot delete the alias: " + st.message());
  return Value::object();
}

OpResult LambdaControl::ListAliases(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  int64_t max = Int(in, "MaxItems", 50);
  Violations viol;
  viol.Range(max, 1, 10000, "maxItems");
  if (!viol.empty()) return viol.Error();
  std::string version = Str(in, "FunctionVersion");
  KeyPager page("nimbus/lambda-aliases/", Str(in, "Marker"), max);
  if (!page.valid()) return InvalidMarker();
  Value out = {{"Aliases", Value::array()}};
  for (const auto& [name, alias] : found->second->aliases) {
    if (!version.empty() && Str(alias, "FunctionVersion") != version) continue;
    KeyPager::Step step = page.Offer(name);
    if (step == KeyPager::kSkip) continue;
    if (step == KeyPager::kFull) break;
    out["Aliases"].push_back(alias);
  }
  if (auto next = page.next_token()) out["NextMarker"] = *next;
  return out;
}

}  // namespace nimbus::lambda
