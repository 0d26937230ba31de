#include "services/lambda/control/control_plane.h"

#include <dirent.h>
#include <unistd.h>

#include <random>

#include "core/ids.h"
#include "services/kit/input.h"
#include "services/lambda/control/errors.h"
#include "services/lambda/control/persistence.h"

namespace nimbus::lambda {
namespace {

// Removes extraction leftovers (.tmp-*) of a previous process.
void CleanTempDirs(const std::string& root) {
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (std::string_view(e->d_name).starts_with(".tmp-")) RemoveTree(root + "/" + e->d_name);
  }
  ::closedir(d);
}

double RandomUnit() {
  thread_local std::mt19937_64 gen(SystemRandom().Next());
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

void SettleConfig(Value& c) {
  if (Str(c, "State") == "Pending") {
    c["State"] = "Active";
    c.erase("StateReason");
    c.erase("StateReasonCode");
  }
  c["LastUpdateStatus"] = "Successful";
  c.erase("LastUpdateStatusReason");
  c.erase("LastUpdateStatusReasonCode");
}

}  // namespace

LambdaControl::LambdaControl(ControlOptions options)
    : opts_(std::move(options)), code_(*opts_.blobs, opts_.data_dir) {}

Result<std::unique_ptr<LambdaControl>> LambdaControl::Open(ControlOptions options) {
  if (options.db == nullptr || options.blobs == nullptr || options.clock == nullptr) {
    return Status::InvalidArgument("lambda: db, blobs and clock are required");
  }
  NIMBUS_RETURN_IF_ERROR(MigrateLambda(*options.db));
  std::unique_ptr<LambdaControl> control(new LambdaControl(std::move(options)));
  NIMBUS_RETURN_IF_ERROR(control->Load());
  return control;
}

Status LambdaControl::Load() {
  auto secret = MetaValue(*opts_.db, "code_url_secret", [] { return RandomHex(64); });
  if (!secret.ok()) return secret.error();
  url_secret_ = *secret;
  CleanTempDirs(opts_.data_dir + "/lambda/code");
  NIMBUS_RETURN_IF_ERROR(LoadFunctions(*opts_.db, [this](FunctionState f) {
    // Our state steps finish synchronously: whatever was in flight at a crash is done.
    SettleConfig(f.latest.config);
    auto next = std::make_shared<FunctionState>(std::move(f));
    next->latest.generation = next_generation_++;
    next->latest.snapshot = BuildSnapshot(*next, next->latest);
    for (auto& [n, v] : next->versions) {
      v.generation = next_generation_++;
      v.snapshot = BuildSnapshot(*next, v);
    }
    std::string key = Key(next->account, next->region, next->name);
    IndexUrlsLocked(nullptr, next.get());
    functions_[key] = std::move(next);
  }));
  return LoadLayers(*opts_.db, [this](LayerState l) {
    std::string key = Key(l.account, l.region, l.name);  // before l is moved
    layers_[key] = std::make_shared<LayerState>(std::move(l));
  });
}

LambdaControl::FunctionPtr LambdaControl::Find(const std::string& account,
                                               const std::string& region,
                                               const std::string& name) const {
  std::shared_lock lock(state_mu_);
  auto it = functions_.find(Key(account, region, name));
  return it == functions_.end() ? nullptr : it->second;
}

Result<std::pair<FunctionRef, LambdaControl::FunctionPtr>, AwsError> LambdaControl::Lookup(
    const CallContext& call, const Value& in, const char* qualifier_member) const {
  auto ref =
      ResolveFunctionRef(Str(in, "FunctionName"), qualifier_member ? Str(in, qualifier_member) : "",
                         call.account_id, call.region);
  if (!ref.ok()) return ref.error();
  FunctionPtr f = Find(ref->account, ref->region, ref->name);
  if (f == nullptr) {
    return FunctionNotFound(QualifiedArn(ref->region, ref->account, ref->name, ref->qualifier));
  }
  return std::make_pair(std::move(*ref), std::move(f));
}

const VersionState* LambdaControl::VersionFor(const FunctionState& f,
                                              const std::string& qualifier) {
  if (qualifier.empty() || qualifier == kLatest) return &f.latest;
  if (!IsVersionNumber(qualifier)) return nullptr;
  auto it = f.versions.find(std::stoll(qualifier));
  return it == f.versions.end() ? nullptr : &it->second;
}

Status LambdaControl::Commit(std::shared_ptr<FunctionState> next, bool erase) {
  NIMBUS_RETURN_IF_ERROR(erase ? DeleteFunctionRow(*opts_.db, *next)
                               : SaveFunction(*opts_.db, *next));
  // Copies: `next` is moved into the map below.
  const std::string account = next->account, region = next->region, name = next->name;
  std::string key = Key(account, region, name);
  if (!erase) {
    next->latest.snapshot = BuildSnapshot(*next, next->latest);
    for (auto& [n, v] : next->versions) v.snapshot = BuildSnapshot(*next, v);
  }
  {
    std::unique_lock lock(state_mu_);
    auto old = functions_.find(key);
    IndexUrlsLocked(old == functions_.end() ? nullptr : old->second.get(),
                    erase ? nullptr : next.get());
    if (erase) {
      functions_.erase(key);
    } else {
      functions_[key] = std::move(next);
    }
  }
  std::vector<ChangeListener> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = listeners_;
  }
  for (const auto& l : listeners) l(account, region, name);
  return Status::Ok();
}

Status LambdaControl::CommitLayer(std::shared_ptr<LayerState> next) {
  NIMBUS_RETURN_IF_ERROR(SaveLayer(*opts_.db, *next));
  std::unique_lock lock(state_mu_);
  std::string key = Key(next->account, next->region, next->name);
  layers_[key] = std::move(next);
  return Status::Ok();
}

bool LambdaControl::SettleNowOrLater(Value& c) const {
  if (opts_.state_delay.count() > 0 && opts_.run_after) return true;
  SettleConfig(c);
  return false;
}

void LambdaControl::ScheduleSettle(const std::string& key) {
  opts_.run_after(opts_.state_delay, [this, key] { Settle(key); });
}

void LambdaControl::Settle(const std::string& key) {
  std::lock_guard write(write_mu_);
  FunctionPtr cur;
  {
    std::shared_lock lock(state_mu_);
    auto it = functions_.find(key);
    if (it == functions_.end()) return;
    cur = it->second;
  }
  const Value& c = cur->latest.config;
  if (Str(c, "State") != "Pending" && Str(c, "LastUpdateStatus") == "Successful") return;
  auto next = std::make_shared<FunctionState>(*cur);
  SettleConfig(next->latest.config);
  next->latest.before_update.reset();
  (void)Commit(std::move(next));  // on a disk error the function stays as it was, and retries
}

void LambdaControl::AddChangeListener(ChangeListener listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

int LambdaControl::ReservedTotal(const std::string& account, const std::string& region,
                                 const std::string& except_name) const {
  std::shared_lock lock(state_mu_);
  int total = 0;
  std::string prefix = ScopedKey(Scope{account, region}, "");
  for (auto it = functions_.lower_bound(prefix);
       it != functions_.end() && it->first.starts_with(prefix); ++it) {
    if (it->second->name != except_name && it->second->reserved_concurrency) {
      total += *it->second->reserved_concurrency;
    }
  }
  return total;
}

Result<ResolvedInvoke, AwsError> LambdaControl::ResolveInvoke(const std::string& account_id,
                                                              const std::string& region,
                                                              const std::string& function_name,
                                                              const std::string& qualifier) {
  auto ref = ResolveFunctionRef(function_name, qualifier, account_id, region);
  if (!ref.ok()) return ref.error();
  FunctionPtr f = Find(account_id, region, ref->name);
  std::string invoked = QualifiedArn(region, account_id, ref->name, ref->qualifier);
  if (f == nullptr) return FunctionNotFound(invoked);
  ResolvedInvoke r;
  r.invoked_arn = invoked;
  std::string version = ref->qualifier.empty() ? std::string(kLatest) : ref->qualifier;
  const Value* alias_config = nullptr;
  if (version != kLatest && !IsVersionNumber(version)) {
    auto alias = f->aliases.find(version);
    if (alias == f->aliases.end()) return FunctionNotFound(invoked);
    auto ec = f->event_configs.find(version);
    if (ec != f->event_configs.end()) alias_config = &ec->second;
    const Value& a = alias->second;
    version = Str(a, "FunctionVersion");
    double pick = RandomUnit();
    const Value* weights = Member(a, "RoutingConfig");
    weights = weights ? Member(*weights, "AdditionalVersionWeights") : nullptr;
    if (weights != nullptr && weights->is_object()) {
      for (auto it = weights->begin(); it != weights->end(); ++it) {
        double w = it->is_number() ? it->get<double>() : 0.0;
        if (pick < w) {
          version = it.key();
          break;
        }
        pick -= w;
      }
    }
  }
  const VersionState* v = VersionFor(*f, version);
  if (v == nullptr || v->snapshot == nullptr) return FunctionNotFound(invoked);
  // Lambda does not invoke a function that is being created (Pending) or failed; an update
  // in progress (LastUpdateStatus InProgress) does not stop invokes.
  const std::string state = Str(v->config, "State");
  if (state == "Pending" || state == "Failed") return NotInState(state);
  std::shared_ptr<const FunctionSnapshot> snap = v->before_update ? v->before_update : v->snapshot;
  // Code directories are caches of the blobs: re-extract whatever went missing.
  auto ensure = [this](const std::string& dir) -> Status {
    if (::access(dir.c_str(), F_OK) == 0) return Status::Ok();
    auto r = code_.EnsureExtracted(dir.substr(dir.rfind('/') + 1));
    return r.ok() ? Status::Ok() : r.error();
  };
  if (!snap->code_ready->load(std::memory_order_acquire) && snap->package_type != "Image") {
    Status st = ensure(snap->code_dir);
    for (const std::string& dir : snap->layer_dirs) {
      if (st.ok()) st = ensure(dir);
    }
    if (!st.ok()) return ServiceError("cannot prepare the function's code: " + st.message());
    snap->code_ready->store(true, std::memory_order_release);
  }
  if (alias_config != nullptr) {
    auto copy = std::make_shared<FunctionSnapshot>(*snap);
    copy->event_invoke_config = EventConfigFromValue(*alias_config);
    snap = std::move(copy);
  }
  r.executed_version = snap->version;
  r.function = std::move(snap);
  return r;
}

}  // namespace nimbus::lambda
