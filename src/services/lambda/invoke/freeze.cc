// Freezing idle execution environments, as Lambda does between invokes: what a function left
// running after it answered (a thread, a timer, a promise) stops until the next invoke thaws
// the environment, and an idle environment takes no CPU. Lambda freezes once the runtime asks
// for the next event; here the freeze comes kFreezeAfter later, from one timer per loop, so a
// steady stream of invokes pays no freeze and thaw per invoke.
#include "services/lambda/invoke/data_plane_impl.h"

namespace nimbus::lambda {

namespace {

constexpr std::chrono::milliseconds kFreezeAfter{5};

}  // namespace

void DataPlaneImpl::ScheduleFreezeLocked(const Environment& env) {
  if (!sandboxes_->capabilities().freezer || !env.sandbox || freeze_armed_[env.loop]) return;
  freeze_armed_[env.loop] = true;
  auto& timer = *freeze_timers_[env.loop];
  timer.expires_at(env.last_used + kFreezeAfter);
  timer.async_wait([this, loop = env.loop](boost::system::error_code ec) {
    if (!ec) FreezeIdle(loop);
  });
}

void DataPlaneImpl::FreezeIdle(size_t loop) {
  std::lock_guard lock(mu_);
  freeze_armed_[loop] = false;
  if (shutting_down_) return;
  const auto now = std::chrono::steady_clock::now();
  const Environment* next = nullptr;  // the idle one whose freeze is due first
  pool_.ForEach([&](const std::shared_ptr<Environment>& env) {
    if (env->loop != loop || env->state != Environment::State::kIdle || !env->sandbox ||
        env->sandbox->frozen()) {
      return;
    }
    if (env->last_used + kFreezeAfter <= now) {
      (void)env->sandbox->Freeze();  // on failure it simply stays thawed
    } else if (!next || env->last_used < next->last_used) {
      next = env.get();
    }
  });
  if (next) ScheduleFreezeLocked(*next);
}

}  // namespace nimbus::lambda
