// Account settings (ListAccountSettings, PutAccountSetting, PutAccountSettingDefault,
// DeleteAccountSetting): AWS's defaults, overridden per account or per principal.
#include "services/ecs/ops.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"

namespace nimbus::ecs::ops {
namespace {

struct Known {
  const char* name;
  const char* default_value;
};

// Every setting AWS knows, with the value an account has when nobody set it.
constexpr Known kSettings[] = {
    {"awsvpcTrunking", "disabled"},
    {"containerInsights", "disabled"},
    {"containerInstanceLongArnFormat", "enabled"},
    {"defaultLogDriverMode", "non-blocking"},
    {"dualStackIPv6", "disabled"},
    {"fargateFIPSMode", "disabled"},
    {"fargateTaskRetirementWaitPeriod", "7"},
    {"guardDutyActivate", "off"},
    {"serviceLongArnFormat", "enabled"},
    {"tagResourceAuthorization", "on"},
    {"taskLongArnFormat", "enabled"},
};

const Known* Find(const std::string& name) {
  for (const Known& k : kSettings) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string RootArn(const CallContext& call) { return "arn:aws:iam::" + call.account_id + ":root"; }

Result<const Known*, AwsError> Named(const Value& in) {
  std::string name = Str(in, "name");
  const Known* k = Find(name);
  if (k == nullptr) {
    return AwsError("InvalidParameterException", "Invalid account setting name: " + name);
  }
  return k;
}

Value SettingJson(const std::string& name, const std::string& value, const std::string& principal,
                  const char* type) {
  return {{"name", name}, {"value", value}, {"principalArn", principal}, {"type", type}};
}

}  // namespace

std::string EffectiveAccountSetting(EcsState& e, const CallContext& call, const std::string& name) {
  const Known* k = Find(name);
  if (k == nullptr) return "";
  auto rows = e.store->Settings(ScopeOf(call));
  if (!rows.ok()) return "";
  std::string value = k->default_value, root = RootArn(call);
  for (const AccountSettingRow& r : *rows) {
    if (r.name != name) continue;
    if (r.principal == root) return r.value;
    if (r.principal.empty()) value = r.value;
  }
  return value;
}

OpResult ListAccountSettings(EcsState& e, const CallContext& call, const Value& in) {
  auto rows = e.store->Settings(ScopeOf(call));
  if (!rows.ok()) return InternalError("ServerException", rows.error());
  std::string principal = Str(in, "principalArn", RootArn(call));
  bool effective = Bool(in, "effectiveSettings");
  std::string only_name = Str(in, "name"), only_value = Str(in, "value");
  Value settings = Value::array();
  for (const Known& k : kSettings) {
    if (!only_name.empty() && only_name != k.name) continue;
    const AccountSettingRow *mine = nullptr, *account_default = nullptr;
    for (const AccountSettingRow& r : *rows) {
      if (r.name != k.name) continue;
      if (r.principal == principal) mine = &r;
      if (r.principal.empty()) account_default = &r;
    }
    Value s;
    if (mine) {
      s = SettingJson(k.name, mine->value, principal, "user");
    } else if (effective) {
      s = account_default ? SettingJson(k.name, account_default->value, principal, "user")
                          : SettingJson(k.name, k.default_value, principal, "aws_managed");
    } else {
      continue;
    }
    if (!only_value.empty() && s["value"] != only_value) continue;
    settings.push_back(std::move(s));
  }
  return Value{{"settings", settings}};
}

OpResult PutAccountSetting(EcsState& e, const CallContext& call, const Value& in) {
  auto k = Named(in);
  if (!k.ok()) return k.error();
  std::string principal = Str(in, "principalArn", RootArn(call));
  std::string value = Str(in, "value");
  Status st = e.store->PutSetting(ScopeOf(call), {(*k)->name, value, principal});
  if (!st.ok()) return InternalError("ServerException", st);
  return Value{{"setting", SettingJson((*k)->name, value, principal, "user")}};
}

OpResult PutAccountSettingDefault(EcsState& e, const CallContext& call, const Value& in) {
  auto k = Named(in);
  if (!k.ok()) return k.error();
  std::string value = Str(in, "value");
  Status st = e.store->PutSetting(ScopeOf(call), {(*k)->name, value, ""});
  if (!st.ok()) return InternalError("ServerException", st);
  return Value{{"setting", SettingJson((*k)->name, value, RootArn(call), "user")}};
}

OpResult DeleteAccountSetting(EcsState& e, const CallContext& call, const Value& in) {
  auto k = Named(in);
  if (!k.ok()) return k.error();
  std::string principal = Str(in, "principalArn", RootArn(call));
  Status st = e.store->DeleteSetting(ScopeOf(call), (*k)->name, principal);
  if (!st.ok()) return InternalError("ServerException", st);
  return Value{{"setting", SettingJson((*k)->name, (*k)->default_value, principal, "user")}};
}

}  // namespace nimbus::ecs::ops
