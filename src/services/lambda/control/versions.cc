// PublishVersion, ListVersionsByFunction, ListFunctions.
#include "core/ids.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

// MaxItems (1..10000, default 50) or a ValidationException.
Result<int64_t, AwsError> MaxItems(const Value& in) {
  int64_t max = Int(in, "MaxItems", 50);
  Violations v;
  v.Range(max, 1, 10000, "maxItems");
  if (!v.empty()) return v.Error();
  return max;
}

// Pages `items` (already in order, each with a sortable key) after `marker`.
OpResult Page(const std::vector<std::pair<std::string, Value>>& items, const std::string& marker,
              int64_t max, const char* list_member) {
  KeyPager page(std::string("nimbus/lambda-") + list_member + "/", marker, max);
  if (!page.valid()) return InvalidMarker();
  Value out = {{list_member, Value::array()}};
  for (const auto& [key, item] : items) {
    KeyPager::Step step = page.Offer(key);
    if (step == KeyPager::kSkip) continue;
    if (step == KeyPager::kFull) break;
    out[list_member].push_back(item);
  }
  if (auto next = page.next_token()) out["NextMarker"] = *next;
  return out;
}

// Sort key for a version: "$LATEST" before every number, numbers in numeric order.
std::string VersionKey(const std::string& name, int64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%019lld", static_cast<long long>(n));
  return name + "!" + buf;
}

bool SameContent(const Value& a, const Value& b) {
  for (const char* key : {"CodeSha256", "Runtime", "Handler", "Role", "Timeout", "MemorySize",
                          "Environment", "Layers", "Description", "EphemeralStorage",
                          "TracingConfig", "LoggingConfig", "DeadLetterConfig", "VpcConfig"}) {
    const Value* x = Member(a, key);
    const Value* y = Member(b, key);
    if ((x == nullptr) != (y == nullptr) || (x && *x != *y)) return false;
  }
  return true;
}

}  // namespace

VersionState LambdaControl::NewVersion(const FunctionState& f, int64_t number,
                                       const std::optional<std::string>& description) const {
  VersionState v = f.latest;
  v.snapshot = nullptr;
  Value& c = v.config;
  c["Version"] = std::to_string(number);
  c["FunctionArn"] = QualifiedArn(f.region, f.account, f.name, std::to_string(number));
  c["RevisionId"] = NewUuid();
  if (description) c["Description"] = *description;
  if (Str(c, "State") == "Pending") {
    c["State"] = "Active";
    c.erase("StateReason");
    c.erase("StateReasonCode");
  }
  c["LastUpdateStatus"] = "Successful";
  c.erase("LastUpdateStatusReason");
  c.erase("LastUpdateStatusReasonCode");
  return v;
}

int64_t LambdaControl::PublishInto(FunctionState& f,
                                   const std::optional<std::string>& description) const {
  if (!f.versions.empty()) {
    const auto& [n, last] = *f.versions.rbegin();
    Value candidate = f.latest.config;
    if (description) candidate["Description"] = *description;
    if (SameContent(last.config, candidate)) return n;
  }
  int64_t n = f.next_version++;
  VersionState v = NewVersion(f, n, description);
  v.generation = next_generation_++;
  f.versions[n] = std::move(v);
  return n;
}

Result<LambdaControl::FunctionPtr, AwsError> LambdaControl::CurrentForWrite(const FunctionRef& ref,
                                                                            const Value& in) const {
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  // AWS refuses code, configuration and publish writes while the function is being created or
  // updated (invokes during an update still run).
  const Value& c = cur->latest.config;
  if (Str(c, "State") == "Pending") return NotInState("Pending");
  if (Str(c, "LastUpdateStatus") == "InProgress") {
    return Conflict(
        "The operation cannot be performed at this time. An update is in progress for resource: " +
        FunctionArn(ref.region, ref.account, ref.name));
  }
  auto rev = OptStr(in, "RevisionId");
  if (rev && *rev != Str(cur->latest.config, "RevisionId")) return RevisionMismatch("GetFunction");
  return cur;
}

OpResult LambdaControl::PublishVersion(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::lock_guard write(write_mu_);
  auto checked = CurrentForWrite(ref, in);
  if (!checked.ok()) return checked.error();
  FunctionPtr cur = *checked;
  auto sha = OptStr(in, "CodeSha256");
  std::string current = Str(cur->latest.config, "CodeSha256");
  if (sha && *sha != current) {
    return InvalidParam("CodeSHA256 (" + *sha + ") is different from current CodeSHA256 in " +
                        "$LATEST (" + current + "). Please try again with the CodeSHA256 in " +
                        "$LATEST.");
  }
  auto next = std::make_shared<FunctionState>(*cur);
  int64_t n = PublishInto(*next, OptStr(in, "Description"));
  Value out = next->versions[n].config;
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot store the version: " + st.message());
  return out;
}

OpResult LambdaControl::ListVersionsByFunction(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  auto max = MaxItems(in);
  if (!max.ok()) return max.error();
  const FunctionState& f = *found->second;
  std::vector<std::pair<std::string, Value>> items;
  items.emplace_back(VersionKey("", 0), f.latest.config);
  for (const auto& [n, v] : f.versions) items.emplace_back(VersionKey("", n), v.config);
  return Page(items, Str(in, "Marker"), *max, "Versions");
}

OpResult LambdaControl::ListFunctions(const CallContext& call, const Value& in) {
  auto max = MaxItems(in);
  if (!max.ok()) return max.error();
  std::string which = Str(in, "FunctionVersion");
  if (!which.empty() && which != "ALL") {
    Violations v;
    v.Add(which, "functionVersion", "Member must satisfy enum value set: [ALL]");
    return v.Error();
  }
  std::vector<FunctionPtr> all;
  {
    std::shared_lock lock(state_mu_);
    std::string prefix = ScopedKey(ScopeOf(call), "");
    for (auto it = functions_.lower_bound(prefix);
         it != functions_.end() && it->first.starts_with(prefix); ++it) {
      all.push_back(it->second);
    }
  }
  std::vector<std::pair<std::string, Value>> items;
  for (const FunctionPtr& f : all) {
    items.emplace_back(VersionKey(f->name, 0), f->latest.config);
    if (which != "ALL") continue;
    for (const auto& [n, v] : f->versions) items.emplace_back(VersionKey(f->name, n), v.config);
  }
  return Page(items, Str(in, "Marker"), *max, "Functions");
}

}  // namespace nimbus::lambda
