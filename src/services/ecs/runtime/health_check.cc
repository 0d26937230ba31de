#include "services/ecs/runtime/health_check.h"

#include "services/kit/input.h"

namespace nimbus::ecs {

const char* HealthName(Health health) {
  switch (health) {
    case Health::kHealthy:
      return "HEALTHY";
    case Health::kUnhealthy:
      return "UNHEALTHY";
    case Health::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::optional<HealthCheckConfig> ParseHealthCheck(const Value& definition,
                                                  std::chrono::milliseconds second) {
  const Value* hc = Member(definition, "healthCheck");
  if (hc == nullptr || !hc->is_object()) return std::nullopt;
  HealthCheckConfig config;
  if (const Value* command = Member(*hc, "command"); command && command->is_array()) {
    for (const Value& part : *command) {
      if (part.is_string()) config.command.push_back(part.get<std::string>());
    }
  }
  // ECS's defaults (registration has checked the ranges).
  auto seconds = [&](const char* key, int64_t fallback) {
    auto v = OptInt(*hc, key);
    return second * (v ? *v : fallback);
  };
  config.interval = seconds("interval", 30);
  config.timeout = seconds("timeout", 5);
  config.start_period = seconds("startPeriod", 0);
  config.retries = static_cast<int>(Int(*hc, "retries", 3));
  if (config.retries < 1) config.retries = 1;
  return config;
}

std::vector<std::string> ProbeArgv(const std::vector<std::string>& command) {
  if (command.size() < 2) return {};
  if (command[0] == "CMD") return {command.begin() + 1, command.end()};
  if (command[0] != "CMD-SHELL") return {};
  std::string script;
  for (size_t i = 1; i < command.size(); ++i) {
    if (i > 1) script += ' ';
    script += command[i];
  }
  return {"/bin/sh", "-c", script};
}

bool HealthState::Record(bool ok, Clock::time_point probe_started) {
  Health before = health_;
  if (ok) {
    failing_streak_ = 0;
    health_ = Health::kHealthy;
    return health_ != before;
  }
  // Until the first success, failures inside the start period do not count.
  if (health_ == Health::kUnknown && probe_started - started_ < start_period_) return false;
  if (++failing_streak_ >= retries_) health_ = Health::kUnhealthy;
  return health_ != before;
}

Health TaskHealth(const std::vector<ContainerHealth>& containers) {
  bool any_checked = false, any_unknown = false;
  for (const ContainerHealth& c : containers) {
    if (!c.essential || !c.checked) continue;
    any_checked = true;
    if (c.health == Health::kUnhealthy) return Health::kUnhealthy;
    if (c.health == Health::kUnknown) any_unknown = true;
  }
  return any_checked && !any_unknown ? Health::kHealthy : Health::kUnknown;
}

HealthMonitor::HealthMonitor(HealthCheckConfig config, Clock::time_point container_started,
                             StartProbe start)
    : config_(std::move(config)),
      state_(config_, container_started),
      start_(std::move(start)),
      next_probe_(container_started + config_.interval) {}

HealthMonitor::~HealthMonitor() = default;  // a running probe is killed with its Sandbox

HealthMonitor::Clock::time_point HealthMonitor::next() const {
  return probe_ ? probe_started_ + config_.timeout : next_probe_;
}

int HealthMonitor::probe_fd() const { return probe_ ? probe_->exit_fd() : -1; }

bool HealthMonitor::Step(Clock::time_point now) {
  bool changed = false;
  if (probe_) {
    auto status = probe_->TryWait();
    if (!status && now < probe_started_ + config_.timeout) return false;
    bool ok = status && status->exited && status->code == 0;
    probe_.reset();  // past its timeout: killed (and reaped off this thread)
    changed = state_.Record(ok, probe_started_);
    next_probe_ = now + config_.interval;  // Docker waits the interval after each run
  }
  if (now < next_probe_) return changed;
  probe_started_ = now;
  auto probe = start_();
  if (probe.ok()) {
    probe_ = std::move(*probe);
  } else {
    changed = state_.Record(false, now) || changed;
    next_probe_ = now + config_.interval;
  }
  return changed;
}

}  // namespace nimbus::ecs
