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
  if (!sandboxes_->capabilities().freezer || !env.sandbox) return;
  ArmFreezeLocked(env.loop, env.last_used + kFreezeAfter);
}

void DataPlaneImpl::ArmFreezeLocked(size_t loop, std::chrono::steady_clock::time_point at) {
  if (freeze_armed_[loop]) return;
  freeze_armed_[loop] = true;
  auto& timer = *freeze_timers_[loop];
  timer.expires_at(at);
  timer.async_wait([this, loop](boost::system::error_code ec) {
    if (!ec) FreezeIdle(loop);
  });
}

void DataPlaneImpl::FreezeIdle(size_t loop) {
  std::lock_guard lock(mu_);
  freeze_armed_[loop] = false;
  if (shutting_down_) return;
  auto plan = pool_.DueForFreeze(loop, std::chrono::steady_clock::now(), kFreezeAfter);
  for (const auto& env : plan.due) {
    if (env->sandbox) (void)env->sandbox->Freeze();  // on failure it simply stays thawed
  }
  if (plan.next) ArmFreezeLocked(loop, *plan.next);
}

}  // namespace nimbus::lambda
