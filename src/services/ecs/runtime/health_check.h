// Container health checks as Docker runs them for the ECS agent (moby daemon/health.go): the
// definition's healthCheck command runs inside the container every `interval` (the first one
// `interval` after the container started), a run longer than `timeout` fails, `retries`
// failures in a row make the container UNHEALTHY, one success makes it HEALTHY again; failures
// inside `startPeriod` do not count until the first success. The task's healthStatus follows
// its essential containers that have a health check. All pure apart from HealthMonitor, which
// starts the probes (sandbox::SandboxManager::Exec) and is driven by the task's supervisor.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "protocol/call.h"
#include "sandbox/sandbox.h"

namespace nimbus::ecs {

enum class Health { kUnknown, kHealthy, kUnhealthy };

// "UNKNOWN", "HEALTHY", "UNHEALTHY".
const char* HealthName(Health health);

// A container definition's healthCheck with ECS's defaults, its seconds scaled to `second`
// (nimbus serve --ecs-health-check-second-ms: tests shrink them). nullopt without one.
struct HealthCheckConfig {
  std::vector<std::string> command;  // as registered: "CMD" or "CMD-SHELL" first
  std::chrono::milliseconds interval, timeout, start_period;
  int retries = 3;
};
std::optional<HealthCheckConfig> ParseHealthCheck(const Value& definition,
                                                  std::chrono::milliseconds second);

// The probe's argv (argv[0] as written: the caller resolves it in the image): CMD's arguments,
// or CMD-SHELL's joined by spaces under /bin/sh -c (Docker's default shell). Empty when the
// command has neither form or nothing to run.
std::vector<std::string> ProbeArgv(const std::vector<std::string>& command);

// Docker's health state machine for one container. Value type.
class HealthState {
 public:
  using Clock = std::chrono::steady_clock;
  HealthState(const HealthCheckConfig& config, Clock::time_point container_started)
      : retries_(config.retries), start_period_(config.start_period), started_(container_started) {}
  Health health() const { return health_; }
  // One probe's result (`ok`: it exited 0 within its timeout), the probe having started at
  // `probe_started`. True when health() changed.
  bool Record(bool ok, Clock::time_point probe_started);

 private:
  int retries_;
  std::chrono::milliseconds start_period_;
  Clock::time_point started_;
  Health health_ = Health::kUnknown;
  int failing_streak_ = 0;
};

// The task's healthStatus from its containers' (essential, has a health check, health):
// UNHEALTHY when an essential container is, else UNKNOWN while one is still UNKNOWN or when no
// essential container has a health check, else HEALTHY.
struct ContainerHealth {
  bool essential = true;
  bool checked = false;
  Health health = Health::kUnknown;
};
Health TaskHealth(const std::vector<ContainerHealth>& containers);

// Runs one container's probes. Not thread-safe: the supervisor's thread only.
class HealthMonitor {
 public:
  using Clock = std::chrono::steady_clock;
  // Starts a probe; an error counts as a failed run.
  using StartProbe = std::function<Result<std::unique_ptr<sandbox::Sandbox>>()>;
  HealthMonitor(HealthCheckConfig config, Clock::time_point container_started, StartProbe start);
  ~HealthMonitor();
  Health health() const { return state_.health(); }
  // When Step should run next (a probe due, or the running one's timeout).
  Clock::time_point next() const;
  // The running probe's exit_fd (poll it), or -1.
  int probe_fd() const;
  // Reaps a finished probe, kills one past its timeout, starts one when due. True when
  // health() changed.
  bool Step(Clock::time_point now);

 private:
  HealthCheckConfig config_;
  HealthState state_;
  StartProbe start_;
  std::unique_ptr<sandbox::Sandbox> probe_;
  Clock::time_point probe_started_, next_probe_;
};

}  // namespace nimbus::ecs
