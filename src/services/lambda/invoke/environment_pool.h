// The execution environments of every function version and the concurrency they hold, as
// Lambda schedules invocations onto them: an invocation reuses an idle environment of its
// version built from the same generation (and not retired), preferring one that is not frozen
// (no thaw) and then one served on the caller's event loop (no cross-thread wake-ups); else a
// new environment is made when the function's reserved concurrency and the account's
// concurrency allow it; else the invocation is throttled as AWS throttles it.
// Not thread-safe: the data plane guards it with its mutex. Internal to the data plane.
#pragma once

#include <functional>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/aws_error.h"
#include "core/status.h"
#include "services/lambda/invoke/invocation.h"

namespace nimbus::lambda {

class EnvironmentPool {
 public:
  // Whether an idle environment is frozen (a thaw before it can run); by default its sandbox's
  // freezer state.
  using FrozenProbe = std::function<bool(const Environment&)>;
  explicit EnvironmentPool(int account_concurrency, FrozenProbe frozen = nullptr);

  struct Assignment {
    std::shared_ptr<Environment> env;
    // A new environment (pool_key, fn, executed_version and loop set, State kStarting): the
    // caller fills in the rest and launches it.
    bool fresh = false;
    // An idle one that was frozen: the caller thaws it (it is kBusy now, so nothing freezes it
    // again meanwhile).
    bool frozen = false;
  };

  // Assigns `inv` to an environment (its `current`, not delivered; counted against its function
  // and account until Release) preferring those on loop `loop`. Errors: 429
  // TooManyRequestsException, Reason ReservedFunctionConcurrentInvocationLimitExceeded or
  // ConcurrentInvocationLimitExceeded, with Retry-After.
  Result<Assignment, AwsError> Assign(const std::shared_ptr<Invocation>& inv, size_t loop);

  // Gives back the concurrency `inv` held; call once, when it finished.
  void Release(const Invocation& inv);

  // Takes `env` out of its version's environments (it died); no-op when it is not in.
  void Remove(const std::shared_ptr<Environment>& env);

  // Calls `fn(env)` for every environment; `fn` must not Remove (use All() for that).
  template <class Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [key, pool] : pools_) {
      for (const auto& env : pool) fn(env);
    }
  }
  // Every environment, a copy to walk while removing; with a `key_prefix` ("<function key>/"),
  // only those of versions whose pool key starts with it.
  std::vector<std::shared_ptr<Environment>> All(std::string_view key_prefix = "") const;

  // Idle environments of loop `loop` that are not frozen: those idle for `after` or more at
  // `now` (due: freeze them), and when the first of the others will be (none: nullopt).
  struct FreezeDue {
    std::vector<std::shared_ptr<Environment>> due;
    std::optional<std::chrono::steady_clock::time_point> next;
  };
  FreezeDue DueForFreeze(size_t loop, std::chrono::steady_clock::time_point now,
                         std::chrono::steady_clock::duration after) const;

  // In-flight invocations counted against a function (FunctionSnapshot::function_key) or an
  // account (account_key).
  int FunctionBusy(const std::string& function_key) const;
  int AccountBusy(const std::string& account_key) const;

 private:
  int account_concurrency_;
  FrozenProbe frozen_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Environment>>> pools_;  // by key
  std::unordered_map<std::string, int> account_busy_;   // in flight per account/region
  std::unordered_map<std::string, int> function_busy_;  // per account/region/function
};

}  // namespace nimbus::lambda
