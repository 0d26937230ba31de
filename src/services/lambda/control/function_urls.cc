// Create/Get/Update/Delete/ListFunctionUrlConfig(s): one URL per function ($LATEST) and per
// alias, never per version. Each URL has a 32-character id (lower-case letters and digits, as
// AWS forms them) that the data plane finds through ResolveFunctionUrl; FunctionUrl is built on
// read from nimbus's current port.
#include <chrono>

#include "core/ids.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

constexpr std::string_view kUrlIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

std::string NewUrlId() {
  RandomSource& random = SystemRandom();
  std::string id;
  id.reserve(32);
  while (id.size() < 32) id.push_back(kUrlIdAlphabet[random.Next() % kUrlIdAlphabet.size()]);
  return id;
}

// "2024-01-01T00:00:00.123000Z": FunctionUrlConfig's timestamps carry microseconds.
std::string UrlTimestamp(int64_t epoch_ms) {
  std::string s = FormatIso8601(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms)), true);
  if (!s.empty() && s.back() == 'Z') s.insert(s.size() - 1, "000");
  return s;
}

std::string QualifierKey(const std::string& q) { return q.empty() ? std::string(kLatest) : q; }

AwsError NoSuchUrl() { return NotFound("The resource you requested does not exist."); }
AwsError NoSuchFunction() { return NotFound("Function does not exist"); }

// A URL qualifier is an alias: $LATEST and version numbers are refused as AWS words it.
std::optional<AwsError> CheckUrlQualifier(const std::string& q) {
  if (q.empty()) return std::nullopt;
  Violations v;
  if (q == kLatest) {
    v.Add(q, "qualifier",
          "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)");
  } else if (IsVersionNumber(q) || !IsValidAliasName(q)) {
    v.Add(q, "qualifier",
          "Member must satisfy regular expression pattern: "
          "(^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))");
  }
  if (v.empty()) return std::nullopt;
  return v.Error();
}

// The function and qualifier (an alias, or none) a URL operation names.
Result<FunctionRef, AwsError> UrlFunctionRef(const CallContext& call, const Value& in) {
  auto ref = ResolveFunctionRef(Str(in, "FunctionName"), Str(in, "Qualifier"), call.account_id,
                                call.region);
  if (!ref.ok()) return ref;
  if (auto e = CheckUrlQualifier(ref->qualifier)) return *e;
  return ref;
}

// "[a, b]" for violation messages about lists.
std::string ListText(const Value& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) out += ", ";
    out += list[i].is_string() ? list[i].get<std::string>() : list[i].dump();
  }
  return out + "]";
}

void CheckList(const Value& cors, const char* member, const char* field, size_t max_items,
               size_t min_len, size_t max_len, Violations& v) {
  const Value* list = Member(cors, member);
  if (list == nullptr) return;
  if (!list->is_array()) {
    v.Add(list->dump(), field, "Member must be a list");
    return;
  }
  if (list->size() > max_items) {
    v.Add(ListText(*list), field,
          "Member must have length less than or equal to " + std::to_string(max_items));
  }
  for (const Value& item : *list) {
    size_t n = item.is_string() ? item.get<std::string>().size() : 0;
    if (!item.is_string() || n < min_len || n > max_len) {
      v.Add(ListText(*list), field,
            "Member must satisfy constraint: [Member must have length less than or equal to " +
                std::to_string(max_len) + ", Member must have length greater than or equal to " +
                std::to_string(min_len) + "]");
      break;
    }
  }
}

// Model constraints of AuthType (when `auth_required` or given), InvokeMode and Cors.
std::optional<AwsError> CheckUrlInput(const Value& in, bool auth_required) {
  Violations v;
  auto auth = OptStr(in, "AuthType");
  if ((auth || auth_required) && auth.value_or("") != "NONE" && auth.value_or("") != "AWS_IAM") {
    v.Add(auth.value_or("null"), "authType",
          auth ? "Member must satisfy enum value set: [AWS_IAM, NONE]" : "Member must not be null");
  }
  auto mode = OptStr(in, "InvokeMode");
  if (mode && *mode != "BUFFERED" && *mode != "RESPONSE_STREAM") {
    v.Add(*mode, "invokeMode", "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]");
  }
  if (const Value* cors = Member(in, "Cors")) {
    CheckList(*cors, "AllowOrigins", "cors.allowOrigins", 100, 1, 253, v);
    CheckList(*cors, "AllowMethods", "cors.allowMethods", 6, 0, 6, v);
    CheckList(*cors, "AllowHeaders", "cors.allowHeaders", 100, 0, 1024, v);
    CheckList(*cors, "ExposeHeaders", "cors.exposeHeaders", 100, 0, 1024, v);
    if (auto age = OptInt(*cors, "MaxAge")) v.Range(*age, 0, 86400, "cors.maxAge");
  }
  if (v.empty()) return std::nullopt;
  return v.Error();
}

std::vector<std::string> Strings(const Value& cors, const char* member) {
  std::vector<std::string> out;
  const Value* list = Member(cors, member);
  if (list == nullptr || !list->is_array()) return out;
  for (const Value& item : *list) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

Value LambdaControl::UrlConfigOut(const FunctionState& f, const std::string& qualifier,
                                  const Value& stored) const {
  Value out = {{"FunctionUrl", "http://" + Str(stored, "UrlId") + ".lambda-url." + f.region +
                                   ".localhost:" + std::to_string(opts_.port) + "/"},
               {"FunctionArn", QualifiedArn(f.region, f.account, f.name,
                                            qualifier == kLatest ? std::string() : qualifier)},
               {"AuthType", Str(stored, "AuthType")},
               {"CreationTime", Str(stored, "CreationTime")},
               {"LastModifiedTime", Str(stored, "LastModifiedTime")},
               {"InvokeMode", Str(stored, "InvokeMode", "BUFFERED")}};
  if (const Value* cors = Member(stored, "Cors")) out["Cors"] = *cors;
  return out;
}

void LambdaControl::IndexUrlsLocked(const FunctionState* old, const FunctionState* next) {
  if (old != nullptr) {
    for (const auto& [q, stored] : old->url_configs) url_ids_.erase(Str(stored, "UrlId"));
  }
  if (next != nullptr) {
    std::string key = Key(next->account, next->region, next->name);
    for (const auto& [q, stored] : next->url_configs) url_ids_[Str(stored, "UrlId")] = {key, q};
  }
}

std::optional<FunctionUrlTarget> LambdaControl::ResolveFunctionUrl(const std::string& url_id) {
  std::shared_lock lock(state_mu_);
  auto it = url_ids_.find(url_id);
  if (it == url_ids_.end()) return std::nullopt;
  auto f = functions_.find(it->second.first);
  if (f == functions_.end()) return std::nullopt;
  auto config = f->second->url_configs.find(it->second.second);
  if (config == f->second->url_configs.end()) return std::nullopt;
  const Value& stored = config->second;
  FunctionUrlTarget t;
  t.account_id = f->second->account;
  t.region = f->second->region;
  t.function_name = f->second->name;
  t.qualifier = config->first == kLatest ? std::string() : config->first;
  t.url_id = url_id;
  t.aws_iam = Str(stored, "AuthType") == "AWS_IAM";
  t.streaming = Str(stored, "InvokeMode") == "RESPONSE_STREAM";
  if (const Value* cors = Member(stored, "Cors")) {
    t.cors.configured = true;
    t.cors.allow_credentials = Bool(*cors, "AllowCredentials");
    t.cors.allow_origins = Strings(*cors, "AllowOrigins");
    t.cors.allow_methods = Strings(*cors, "AllowMethods");
    t.cors.allow_headers = Strings(*cors, "AllowHeaders");
    t.cors.expose_headers = Strings(*cors, "ExposeHeaders");
    if (auto age = OptInt(*cors, "MaxAge")) t.cors.max_age = static_cast<int>(*age);
  }
  return t;
}

OpResult LambdaControl::CreateFunctionUrlConfig(const CallContext& call, const Value& in) {
  auto ref = UrlFunctionRef(call, in);
  if (!ref.ok()) return ref.error();
  if (auto e = CheckUrlInput(in, /*auth_required=*/true)) return *e;
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref->account, ref->region, ref->name);
  if (cur == nullptr) return NoSuchFunction();
  std::string q = QualifierKey(ref->qualifier);
  if (auto existing = cur->url_configs.find(q); existing != cur->url_configs.end()) {
    return Conflict("Failed to create function url config for [functionArn = " +
                    QualifiedArn(ref->region, ref->account, ref->name, ref->qualifier) +
                    "]. Error message:  FunctionUrlConfig exists for this Lambda function");
  }
  if (q != kLatest && !cur->aliases.count(q)) return NoSuchFunction();
  std::string id;
  {
    std::shared_lock lock(state_mu_);
    do id = NewUrlId();
    while (url_ids_.count(id));
  }
  std::string now = UrlTimestamp(opts_.clock->NowMillis());
  Value stored = {{"UrlId", id},
                  {"AuthType", Str(in, "AuthType")},
                  {"InvokeMode", Str(in, "InvokeMode", "BUFFERED")},
                  {"CreationTime", now},
                  {"LastModifiedTime", now}};
  if (const Value* cors = Member(in, "Cors")) stored["Cors"] = *cors;
  auto next = std::make_shared<FunctionState>(*cur);
  next->url_configs[q] = stored;
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the function URL: " + st.message());
  Value out = UrlConfigOut(*next, q, stored);
  out.erase("LastModifiedTime");  // CreateFunctionUrlConfigResponse has none
  return out;
}

OpResult LambdaControl::GetFunctionUrlConfig(const CallContext& call, const Value& in) {
  auto ref = UrlFunctionRef(call, in);
  if (!ref.ok()) return ref.error();
  FunctionPtr f = Find(ref->account, ref->region, ref->name);
  if (f == nullptr) return NoSuchUrl();
  std::string q = QualifierKey(ref->qualifier);
  auto it = f->url_configs.find(q);
  if (it == f->url_configs.end()) return NoSuchUrl();
  return UrlConfigOut(*f, q, it->second);
}

OpResult LambdaControl::UpdateFunctionUrlConfig(const CallContext& call, const Value& in) {
  auto ref = UrlFunctionRef(call, in);
  if (!ref.ok()) return ref.error();
  if (auto e = CheckUrlInput(in, /*auth_required=*/false)) return *e;
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref->account, ref->region, ref->name);
  if (cur == nullptr) return NoSuchFunction();
  std::string q = QualifierKey(ref->qualifier);
  if (q != kLatest && !cur->aliases.count(q)) return NoSuchFunction();
  auto it = cur->url_configs.find(q);
  if (it == cur->url_configs.end()) return NoSuchUrl();
  Value stored = it->second;
  if (auto auth = OptStr(in, "AuthType")) stored["AuthType"] = *auth;
  if (auto mode = OptStr(in, "InvokeMode")) stored["InvokeMode"] = *mode;
  if (const Value* cors = Member(in, "Cors")) stored["Cors"] = *cors;
  stored["LastModifiedTime"] = UrlTimestamp(opts_.clock->NowMillis());
  auto next = std::make_shared<FunctionState>(*cur);
  next->url_configs[q] = stored;
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the function URL: " + st.message());
  return UrlConfigOut(*next, q, stored);
}

OpResult LambdaControl::DeleteFunctionUrlConfig(const CallContext& call, const Value& in) {
  auto ref = UrlFunctionRef(call, in);
  if (!ref.ok()) return ref.error();
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref->account, ref->region, ref->name);
  if (cur == nullptr) return NoSuchUrl();
  std::string q = QualifierKey(ref->qualifier);
  if (!cur->url_configs.count(q)) return NoSuchUrl();
  auto next = std::make_shared<FunctionState>(*cur);
  next->url_configs.erase(q);
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot delete the function URL: " + st.message());
  return Value::object();
}

OpResult LambdaControl::ListFunctionUrlConfigs(const CallContext& call, const Value& in) {
  auto ref = ResolveFunctionRef(Str(in, "FunctionName"), "", call.account_id, call.region);
  if (!ref.ok()) return ref.error();
  int64_t max = Int(in, "MaxItems", 50);
  Violations viol;
  viol.Range(max, 1, 50, "maxItems");
  if (!viol.empty()) return viol.Error();
  FunctionPtr f = Find(ref->account, ref->region, ref->name);
  if (f == nullptr) return NoSuchFunction();
  KeyPager page("nimbus/lambda-url-configs/", Str(in, "Marker"), max);
  if (!page.valid()) return InvalidMarker();
  Value out = {{"FunctionUrlConfigs", Value::array()}};
  for (const auto& [q, stored] : f->url_configs) {
    KeyPager::Step step = page.Offer(q);
    if (step == KeyPager::kSkip) continue;
    if (step == KeyPager::kFull) break;
    out["FunctionUrlConfigs"].push_back(UrlConfigOut(*f, q, stored));
  }
  if (auto next = page.next_token()) out["NextMarker"] = *next;
  return out;
}

}  // namespace nimbus::lambda
