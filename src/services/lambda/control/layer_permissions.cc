// AddLayerVersionPermission, GetLayerVersionPolicy, RemoveLayerVersionPermission: a layer
// version's resource policy, which is what lets another account use it (ResolveLayers,
// GetLayerVersionByArn).
#include <regex>

#include "core/ids.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

AwsError NoSuchLayerVersion() { return NotFound("The resource you requested does not exist."); }

// The policy document GetLayerVersionPolicy returns.
std::string PolicyDocument(const Value& statements) {
  Value doc = {{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", statements}};
  return doc.dump();
}

// The account a statement's principal names ("*" for everyone).
std::string PrincipalAccount(const Value& statement) {
  const Value* p = Member(statement, "Principal");
  if (p == nullptr) return "";
  if (p->is_string()) return p->get<std::string>();
  std::string principal = Str(*p, "AWS");  // arn:aws:iam::<account>:root, or the account
  auto arn = ParseArn(principal);
  return arn ? arn->scope.account : principal;
}

}  // namespace

Result<std::shared_ptr<LayerState>, AwsError> LambdaControl::LayerPolicyForWrite(
    const CallContext& call, const std::string& name, int64_t version, const Value& in) const {
  std::shared_ptr<LayerState> next;
  {
    std::shared_lock lock(state_mu_);
    auto it = layers_.find(Key(call.account_id, call.region, name));
    if (it == layers_.end() || !it->second->versions.count(version)) return NoSuchLayerVersion();
    next = std::make_shared<LayerState>(*it->second);
  }
  auto rev = OptStr(in, "RevisionId");
  if (rev && *rev != next->versions[version].policy_revision) {
    return RevisionMismatch("GetLayerVersionPolicy");
  }
  return next;
}

bool LambdaControl::LayerGrants(const LayerVersionState& version, const std::string& account) {
  for (const Value& s : version.statements) {
    std::string who = PrincipalAccount(s);
    if ((who == "*" || who == account) && Str(s, "Action") == "lambda:GetLayerVersion") {
      return true;
    }
  }
  return false;
}

OpResult LambdaControl::AddLayerVersionPermission(const CallContext& call, const Value& in) {
  auto name = ParseLayerName(Str(in, "LayerName"), call.account_id, call.region);
  if (!name.ok()) return name.error();
  int64_t n = Int(in, "VersionNumber", 0);
  std::string sid = Str(in, "StatementId"), action = Str(in, "Action");
  std::string principal = Str(in, "Principal");
  Violations viol;
  if (!std::regex_match(sid, std::regex("[a-zA-Z0-9_-]{1,100}"))) {
    viol.Add(sid, "statementId",
             "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
  }
  if (action != "lambda:GetLayerVersion") {
    viol.Add(action, "action",
             "Member must satisfy regular expression pattern: lambda:GetLayerVersion");
  }
  std::smatch m;
  static const std::regex kPrincipal("\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::(\\d{12}):root");
  if (!std::regex_match(principal, m, kPrincipal)) {
    viol.Add(principal, "principal",
             "Member must satisfy regular expression pattern: "
             "\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root");
  }
  if (!viol.empty()) return viol.Error();
  std::string account = m[2].matched ? m[2].str() : principal;
  std::lock_guard write(write_mu_);
  auto copy = LayerPolicyForWrite(call, *name, n, in);
  if (!copy.ok()) return copy.error();
  std::shared_ptr<LayerState> next = std::move(*copy);
  LayerVersionState& v = next->versions[n];
  for (const Value& s : v.statements) {
    if (Str(s, "Sid") == sid) {
      return Conflict("The statement id (" + sid +
                      ") provided already exists. Please provide a new statement id, or remove "
                      "the existing statement.");
    }
  }
  Value statement = {
      {"Sid", sid},
      {"Effect", "Allow"},
      {"Principal",
       account == "*" ? Value("*") : Value{{"AWS", MakeArn("iam", Scope{account, ""}, "root")}}},
      {"Action", action},
      {"Resource", Str(v.body, "LayerVersionArn")}};
  if (auto org = OptStr(in, "OrganizationId")) {
    statement["Condition"] = {{"StringEquals", {{"aws:PrincipalOrgID", *org}}}};
  }
  v.statements.push_back(statement);
  v.policy_revision = NewUuid();
  Status st = CommitLayer(next);
  if (!st.ok()) return ServiceError("cannot store the layer policy: " + st.message());
  return Value{{"Statement", statement.dump()}, {"RevisionId", v.policy_revision}};
}

OpResult LambdaControl::GetLayerVersionPolicy(const CallContext& call, const Value& in) {
  auto name = ParseLayerName(Str(in, "LayerName"), call.account_id, call.region);
  if (!name.ok()) return name.error();
  int64_t n = Int(in, "VersionNumber", 0);
  std::shared_lock lock(state_mu_);
  auto it = layers_.find(Key(call.account_id, call.region, *name));
  if (it == layers_.end()) return NoSuchLayerVersion();
  auto v = it->second->versions.find(n);
  if (v == it->second->versions.end()) return NoSuchLayerVersion();
  if (v->second.statements.empty()) {
    return NotFound("No policy is associated with the given resource.");
  }
  return Value{{"Policy", PolicyDocument(v->second.statements)},
               {"RevisionId", v->second.policy_revision}};
}

OpResult LambdaControl::RemoveLayerVersionPermission(const CallContext& call, const Value& in) {
  auto name = ParseLayerName(Str(in, "LayerName"), call.account_id, call.region);
  if (!name.ok()) return name.error();
  int64_t n = Int(in, "VersionNumber", 0);
  std::string sid = Str(in, "StatementId");
  std::lock_guard write(write_mu_);
  auto copy = LayerPolicyForWrite(call, *name, n, in);
  if (!copy.ok()) return copy.error();
  std::shared_ptr<LayerState> next = std::move(*copy);
  LayerVersionState& v = next->versions[n];
  Value kept = Value::array();
  for (const Value& s : v.statements) {
    if (Str(s, "Sid") != sid) kept.push_back(s);
  }
  if (kept.size() == v.statements.size()) {
    return NotFound("Statement " + sid + " is not found in resource policy.");
  }
  v.statements = std::move(kept);
  v.policy_revision = NewUuid();
  Status st = CommitLayer(next);
  if (!st.ok()) return ServiceError("cannot store the layer policy: " + st.message());
  return Value::object();
}

}  // namespace nimbus::lambda
