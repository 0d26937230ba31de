// What the service operations and the service scheduler share: the store, the lock that makes a
// read-modify-write of a service atomic, the scheduler's doorbell and its timing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "services/ecs/services/service_store.h"

namespace nimbus::ecs {

// Timing of the scheduler; AWS's values by default, shrunk by flags for tests.
struct ServiceTiming {
  // A RUNNING task whose containers have no health check counts healthy after this long.
  int64_t healthy_after_ms = 40'000;
  // How often the scheduler looks at every service without being asked.
  int64_t tick_ms = 500;
};

// Owned by EcsState (shared with the scheduler). Thread-safe as documented per member.
struct ServiceControl {
  std::shared_ptr<ServiceStore> store;
  // Held around every read-modify-write of a service row (operations and scheduler).
  std::mutex mu;
  // Asks the scheduler to reconcile soon; empty when no scheduler runs (in-process harnesses).
  std::function<void()> wake;
  ServiceTiming timing;

  void Wake() const {
    if (wake) wake();
  }
};

}  // namespace nimbus::ecs
