#include "services/lambda/invoke/environment_pool.h"

#include <algorithm>
#include <utility>

namespace nimbus::lambda {

namespace {

AwsError Throttle(std::string reason) {
  AwsError e("TooManyRequestsException", "Rate Exceeded.", 429);
  e.fields = {{"Type", "User"}, {"Reason", std::move(reason)}};
  e.headers.emplace_back("Retry-After", "1");
  return e;
}

bool SandboxFrozen(const Environment& env) { return env.sandbox && env.sandbox->frozen(); }

}  // namespace

EnvironmentPool::EnvironmentPool(int account_concurrency, FrozenProbe frozen)
    : account_concurrency_(account_concurrency),
      frozen_(frozen ? std::move(frozen) : FrozenProbe(SandboxFrozen)) {}

Result<EnvironmentPool::Assignment, AwsError> EnvironmentPool::Assign(
    const std::shared_ptr<Invocation>& inv, size_t loop) {
  const FunctionSnapshot& fn = *inv->fn;
  int& function_busy = function_busy_[fn.function_key];
  int& account_busy = account_busy_[fn.account_key];
  if (fn.reserved_concurrency && function_busy >= *fn.reserved_concurrency) {
    return Throttle("ReservedFunctionConcurrentInvocationLimitExceeded");
  }
  if (account_busy >= account_concurrency_) return Throttle("ConcurrentInvocationLimitExceeded");
  auto& pool = pools_[fn.version_key];
  Assignment a;
  int best = -1;
  for (auto& candidate : pool) {
    if (candidate->state != Environment::State::kIdle || candidate->retired ||
        candidate->fn->generation != fn.generation) {
      continue;
    }
    const bool frozen = frozen_(*candidate);
    const int rank = (frozen ? 0 : 2) + (candidate->loop == loop ? 1 : 0);
    if (rank > best) {
      best = rank;
      a.env = candidate;
      a.frozen = frozen;
      if (rank == 3) break;
    }
  }
  a.fresh = a.env == nullptr;
  if (a.fresh) {
    a.env = std::make_shared<Environment>();
    a.env->pool_key = fn.version_key;
    a.env->fn = inv->fn;
    a.env->executed_version = inv->executed_version;
    a.env->loop = loop;
    pool.push_back(a.env);
  } else {
    a.env->state = Environment::State::kBusy;
  }
  a.env->current = inv;
  a.env->delivered = false;
  ++function_busy;
  ++account_busy;
  return a;
}

void EnvironmentPool::Release(const Invocation& inv) {
  --function_busy_[inv.fn->function_key];
  --account_busy_[inv.fn->account_key];
}

void EnvironmentPool::Remove(const std::shared_ptr<Environment>& env) {
  auto it = pools_.find(env->pool_key);
  if (it == pools_.end()) return;
  std::erase(it->second, env);
  if (it->second.empty()) pools_.erase(it);
}

std::vector<std::shared_ptr<Environment>> EnvironmentPool::All(std::string_view key_prefix) const {
  std::vector<std::shared_ptr<Environment>> all;
  for (const auto& [key, pool] : pools_) {
    if (key.starts_with(key_prefix)) all.insert(all.end(), pool.begin(), pool.end());
  }
  return all;
}

EnvironmentPool::FreezeDue EnvironmentPool::DueForFreeze(
    size_t loop, std::chrono::steady_clock::time_point now,
    std::chrono::steady_clock::duration after) const {
  FreezeDue plan;
  ForEach([&](const std::shared_ptr<Environment>& env) {
    if (env->loop != loop || env->state != Environment::State::kIdle || frozen_(*env)) return;
    const auto at = env->last_used + after;
    if (at <= now) {
      plan.due.push_back(env);
    } else if (!plan.next || at < *plan.next) {
      plan.next = at;
    }
  });
  return plan;
}

int EnvironmentPool::FunctionBusy(const std::string& function_key) const {
  auto it = function_busy_.find(function_key);
  return it == function_busy_.end() ? 0 : it->second;
}

int EnvironmentPool::AccountBusy(const std::string& account_key) const {
  auto it = account_busy_.find(account_key);
  return it == account_busy_.end() ? 0 : it->second;
}

}  // namespace nimbus::lambda
