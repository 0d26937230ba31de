// Scheduling invocations onto execution environments: reuse a warm idle environment of the
// same function version and generation, else scale out (within reserved and account
// concurrency), else throttle with 429.
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/platform_text.h"

namespace nimbus::lambda {

size_t DataPlaneImpl::LoopOf(const boost::asio::any_io_executor& executor) const {
  auto& context = boost::asio::query(executor, boost::asio::execution::context);
  for (size_t i = 0; i < deps_.loops.size(); ++i) {
    if (deps_.loops[i] == &context) return i;
  }
  return deps_.loops.empty() ? 0 : next_loop_.fetch_add(1) % deps_.loops.size();
}

Result<std::shared_ptr<Environment>, AwsError> DataPlaneImpl::Assign(
    const std::shared_ptr<Invocation>& inv, size_t loop, bool& fresh) {
  std::unique_lock<std::mutex> lock(mu_);
  if (shutting_down_) return AwsError("ServiceException", "nimbus is shutting down", 503, false);
  auto assigned = pool_.Assign(inv, loop);
  if (!assigned.ok()) return assigned.take_error();
  std::shared_ptr<Environment> env = assigned->env;
  fresh = assigned->fresh;
  if (fresh) {
    env->id = RandomHex(32);
    env->log_stream = LogStreamName(deps_.clock->Now(), inv->executed_version, env->id);
    env->created = std::chrono::steady_clock::now();
    env->io = deps_.loops[loop]->get_executor();
    return env;
  }
  std::shared_ptr<Waiter> parked = env->next_waiter;
  // The thaw (a cgroup write, and a walk of its tasks) runs after the lock: the environment is
  // busy now, so no freeze comes in between, and this reference keeps its sandbox (its cgroup)
  // alive should it die meanwhile (AwaitExit drops the environment's own).
  std::shared_ptr<sandbox::Sandbox> thaw = assigned->frozen ? env->sandbox : nullptr;
  lock.unlock();
  // Wake its runtime first (a wake-up of another loop takes that queue's lock: not under mu_),
  // so that the /next answer is made there while this thread thaws.
  if (parked) parked->Notify();
  if (thaw) (void)thaw->Thaw();
  return env;
}

void DataPlaneImpl::FinishLocked(Environment& env, Invocation& inv, bool function_error,
                                 std::string result) {
  if (inv.finished) return;
  inv.finished = true;
  inv.function_error = function_error;
  inv.result = std::move(result);
  pool_.Release(inv);
  if (env.current.get() == &inv) {
    env.current.reset();
    env.delivered = false;
    if (env.state == Environment::State::kBusy) env.state = Environment::State::kIdle;
  }
  env.last_used = std::chrono::steady_clock::now();
  inv.done->Notify();
}

void DataPlaneImpl::Kill(const std::shared_ptr<Environment>& env, const std::string& why) {
  // Caller holds mu_.
  if (env->state == Environment::State::kDead) return;
  env->state = Environment::State::kDead;
  pool_.Remove(env);
  if (env->current && !env->current->finished) {
    FinishLocked(*env, *env->current, true,
                 ErrorPayload("Runtime.Unknown", "RequestId: " + env->current->request_id +
                                                     " Error: " + why));
  }
  if (env->next_waiter) env->next_waiter->Notify();
  if (env->sandbox) env->sandbox->Kill();
}

void DataPlaneImpl::Retire(const std::string& account, const std::string& region,
                           const std::string& name) {
  // A change may leave a version's code and configuration as they were (tags, concurrency,
  // aliases, an update settling from InProgress to Successful): only environments built from
  // a generation that is no longer what the version resolves to are retired.
  const std::string prefix = FunctionKey(account, region, name) + "/";  // its version_keys
  std::set<std::string> versions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pool_.ForEach([&](const std::shared_ptr<Environment>& env) {
      if (env->pool_key.starts_with(prefix)) versions.insert(env->executed_version);
    });
  }
  std::map<std::string, uint64_t> current;  // version -> generation; absent: gone
  for (const std::string& version : versions) {
    auto resolved = deps_.registry->ResolveInvoke(account, region, name, version);
    if (resolved.ok()) current[version] = resolved->function->generation;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& env : pool_.All(prefix)) {
    auto it = current.find(env->executed_version);
    if (it != current.end() && it->second == env->fn->generation) continue;
    env->retired = true;
    if (env->state == Environment::State::kIdle) Kill(env, "environment retired");
  }
}

boost::asio::awaitable<Result<bool, AwsError>> DataPlaneImpl::Run(std::shared_ptr<Invocation> inv) {
  bool fresh = false;
  const auto assigned_at = std::chrono::steady_clock::now();
  auto assigned = Assign(inv, LoopOf(co_await boost::asio::this_coro::executor), fresh);
  if (!assigned.ok()) co_return assigned.take_error();
  std::shared_ptr<Environment> env = *assigned;
  if (fresh) {
    // A container image's plan comes from ImagePrep's worker (prefetched when the function was
    // created or changed): its layers are not unpacked on this loop.
    std::optional<ImageLaunch> image;
    Status launched = Status::Ok();
    if (inv->fn->package_type == "Image") {
      if (!image_prep_) {
        launched = Status::Unavailable("no image registry to run " + inv->fn->image_uri);
      } else {
        std::shared_ptr<const FunctionSnapshot> fn = inv->fn;
        auto plan = co_await image_prep_->Get(fn);
        if (plan.ok()) {
          image = std::move(*plan);
        } else {
          if (plan.error().code() == StatusCode::kNotFound) {
            deps_.registry->ReportImageDeleted(*fn);
          }
          launched = plan.error();
        }
      }
    }
    if (launched.ok()) launched = Launch(env, image ? &*image : nullptr);
    if (!launched.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (launched.code() == StatusCode::kNotFound && inv->fn->package_type == "Image") {
        // Its image is gone from the registry: the function is Failed now (ImageDeleted), and
        // this invoke is refused as the next ones are.
        FinishLocked(*env, *inv, true, "");
        Kill(env, launched.message());
        co_return AwsError("ResourceConflictException",
                           "The operation cannot be performed at this time. The function is "
                           "currently in the following state: Failed",
                           409);
      }
      bool entrypoint = launched.code() == StatusCode::kFailedPrecondition;
      std::string type = entrypoint ? "Runtime.InvalidEntrypoint" : "Runtime.Unknown";
      std::string message = "RequestId: " + inv->request_id + " Error: " + launched.message();
      AppendLogLocked(*env, inv.get(), "START RequestId: " + inv->request_id +
                                              " Version: " + inv->executed_version);
      AppendLogLocked(*env, inv.get(), message);
      FinishLocked(*env, *inv, true, ErrorPayload(type, message));
      Kill(env, launched.message());
      ShipLogs(*env);
    }
  }
  const auto timeout = std::chrono::seconds(inv->fn->timeout_seconds);
  const auto kNever = std::chrono::steady_clock::time_point{};
  // Before delivery the runtime is initializing (10 s limit for a fresh environment) or about
  // to ask for work; the function's own timeout starts when /next hands the event over.
  const auto init_deadline =
      fresh ? std::chrono::steady_clock::now() + std::chrono::seconds(10) : assigned_at + timeout;
  // A warm environment gets the event after the assignment, so its deadline is no earlier than
  // init_deadline: the first wait needs no look under the lock.
  bool look = fresh;
  for (;;) {
    auto deadline = init_deadline;
    if (std::exchange(look, true)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (inv->finished) break;
      if (inv->delivered_at != kNever) {
        deadline = inv->delivered_at + timeout;
      } else {
        // Delivery comes later than now, so its deadline is later than now + timeout: wake
        // then (or at the init limit) and look again; no polling while the function runs.
        deadline = std::min(init_deadline, std::chrono::steady_clock::now() + timeout);
      }
    }
    if (co_await inv->done->Wait(deadline)) break;
    std::lock_guard<std::mutex> lock(mu_);
    if (inv->finished) break;
    auto now = std::chrono::steady_clock::now();
    bool delivered = inv->delivered_at != kNever;
    if (delivered ? now < inv->delivered_at + timeout : now < init_deadline) continue;
    // Timed out (in the handler, or in an init that never asked for work).
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f",
                  delivered || !fresh ? static_cast<double>(inv->fn->timeout_seconds) : 10.0);
    std::string message = "RequestId: " + inv->request_id + " Error: Task timed out after " +
                          secs + " seconds";
    if (!delivered) {
      AppendLogLocked(*env, inv.get(), "START RequestId: " + inv->request_id +
                                           " Version: " + inv->executed_version);
    }
    AppendLogLocked(*env, inv.get(), FormatLogTimestamp(deps_.clock->Now()) + " " +
                                         inv->request_id + " Task timed out after " + secs +
                                         " seconds");
    PlatformEndLocked(*env, *inv, "timeout");
    FinishLocked(*env, *inv, true, ErrorPayload("Sandbox.Timedout", message));
    Kill(env, "Task timed out");
    ShipLogs(*env);
    break;
  }
  co_return true;
}

}  // namespace nimbus::lambda
