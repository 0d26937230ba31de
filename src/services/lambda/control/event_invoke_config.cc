// Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s). Configs are keyed by qualifier
// ("$LATEST" when none is given).
#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

std::string QualifierKey(const std::string& q) { return q.empty() ? std::string(kLatest) : q; }

AwsError NoConfig(const FunctionState& f, const std::string& q) {
  return NotFound("The function " + QualifiedArn(f.region, f.account, f.name, q) +
                  " doesn't have an EventInvokeConfig");
}

// A DestinationConfig target nimbus cannot deliver to, refused when it is configured rather
// than dropped at delivery: EventBridge (nimbus serves no event buses) and ARNs of services
// Lambda does not send records to. nullopt for Lambda functions, SQS queues and SNS topics.
std::optional<AwsError> CheckDestination(const std::string& key, const Value& target) {
  const Value* arn = Member(target, "Destination");
  if (arn == nullptr || !arn->is_string()) return std::nullopt;
  const std::string& text = arn->get_ref<const std::string&>();
  auto parsed = ParseArn(text);
  std::string service = parsed ? parsed->service : "";
  if (service == "lambda" || service == "sqs" || service == "sns") return std::nullopt;
  if (service == "events") {
    return InvalidParam("The destination ARN " + text + " (" + key +
                        ") is an EventBridge event bus: nimbus does not serve EventBridge, so it "
                        "cannot deliver invocation records there. Use a Lambda function, an SQS "
                        "queue or an SNS topic.");
  }
  return InvalidParam("The destination ARN " + text + " is invalid.");
}

}  // namespace

OpResult LambdaControl::PutFunctionEventInvokeConfig(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::string q = QualifierKey(ref.qualifier);
  Violations viol;
  if (auto r = OptInt(in, "MaximumRetryAttempts")) viol.Range(*r, 0, 2, "maximumRetryAttempts");
  if (auto a = OptInt(in, "MaximumEventAgeInSeconds")) {
    viol.Range(*a, 60, 21600, "maximumEventAgeInSeconds");
  }
  if (!viol.empty()) return viol.Error();
  if (const Value* d = Member(in, "DestinationConfig")) {
    for (const char* key : {"OnSuccess", "OnFailure"}) {
      if (const Value* t = Member(*d, key)) {
        if (auto e = CheckDestination(key, *t)) return *e;
      }
    }
  }
  bool update = call.operation == "UpdateFunctionEventInvokeConfig";
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  if (q != kLatest && !IsVersionNumber(q) && !cur->aliases.count(q)) {
    return FunctionNotFound(QualifiedArn(ref.region, ref.account, ref.name, q));
  }
  if (IsVersionNumber(q) && !cur->versions.count(std::stoll(q))) {
    return FunctionNotFound(QualifiedArn(ref.region, ref.account, ref.name, q));
  }
  Value config = Value::object();
  auto existing = cur->event_configs.find(q);
  if (update && existing != cur->event_configs.end()) config = existing->second;
  for (const char* key : {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}) {
    if (auto v = OptInt(in, key)) config[key] = *v;
  }
  Value dest = {{"OnSuccess", Value::object()}, {"OnFailure", Value::object()}};
  if (const Value* old = Member(config, "DestinationConfig")) dest = *old;
  if (const Value* d = Member(in, "DestinationConfig")) {
    for (const char* key : {"OnSuccess", "OnFailure"}) {
      if (const Value* t = Member(*d, key)) dest[key] = *t;
    }
  }
  config["DestinationConfig"] = dest;
  config["FunctionArn"] = QualifiedArn(ref.region, ref.account, ref.name, q);
  config["LastModified"] = opts_.clock->NowSeconds();
  auto next = std::make_shared<FunctionState>(*cur);
  next->event_configs[q] = config;
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the config: " + st.message());
  return config;
}

OpResult LambdaControl::UpdateFunctionEventInvokeConfig(const CallContext& call, const Value& in) {
  return PutFunctionEventInvokeConfig(call, in);
}

OpResult LambdaControl::GetFunctionEventInvokeConfig(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in);
  if (!found.ok()) return found.error();
  std::string q = QualifierKey(found->first.qualifier);
  auto it = found->second->event_configs.find(q);
  if (it == found->second->event_configs.end()) return NoConfig(*found->second, q);
  return it->second;
}

OpResult LambdaControl::DeleteFunctionEventInvokeConfig(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::string q = QualifierKey(ref.qualifier);
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  if (!cur->event_configs.count(q)) return NoConfig(*cur, q);
  auto next = std::make_shared<FunctionState>(*cur);
  next->event_configs.erase(q);
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot delete the config: " + st.message());
  return Value::object();
}

OpResult LambdaControl::ListFunctionEventInvokeConfigs(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  int64_t max = Int(in, "MaxItems", 50);
  Violations viol;
  viol.Range(max, 1, 50, "maxItems");
  if (!viol.empty()) return viol.Error();
  KeyPager page("nimbus/lambda-event-configs/", Str(in, "Marker"), max);
  if (!page.valid()) return InvalidMarker();
  Value out = {{"FunctionEventInvokeConfigs", Value::array()}};
  for (const auto& [q, config] : found->second->event_configs) {
    KeyPager::Step step = page.Offer(q);
    if (step == KeyPager::kSkip) continue;
    if (step == KeyPager::kFull) break;
    out["FunctionEventInvokeConfigs"].push_back(config);
  }
  if (auto next = page.next_token()) out["NextMarker"] = *next;
  return out;
}

}  // namespace nimbus::lambda
