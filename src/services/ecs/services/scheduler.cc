#include "services/ecs/services/scheduler.h"

#include <chrono>
#include <cstdio>

namespace nimbus::ecs {

ServiceScheduler::ServiceScheduler(EcsState& state, std::shared_ptr<image::ImageCache> images)
    : state_(state), images_(std::move(images)) {
  thread_ = std::thread([this] { Loop(); });
}

ServiceScheduler::~ServiceScheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ServiceScheduler::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void ServiceScheduler::Loop() {
  auto tick = std::chrono::milliseconds(state_.services->timing.tick_ms);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, tick, [this] { return stop_ || woken_; });
      if (stop_) return;
      woken_ = false;
    }
    auto keys = state_.services->store->LiveServices();
    if (!keys.ok()) {
      std::fprintf(stderr, "nimbus: ecs services: %s\n", keys.error().ToString().c_str());
      continue;
    }
    for (const ServiceStore::Key& key : *keys) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
      }
      ReconcileService(state_, images_.get(), key.scope, key.cluster, key.name);
    }
  }
}

}  // namespace nimbus::ecs
