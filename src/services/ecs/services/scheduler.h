// The ECS service scheduler: one thread that keeps every ACTIVE service at its desired count
// and moves its deployments along (rolling updates, circuit breaker, rollback, events), and
// drains DRAINING ones to INACTIVE. It wakes when an operation rings ServiceControl::wake and
// every ServiceTiming::tick_ms otherwise. Services are stored, so after a restart it finds them
// again and replaces the tasks the restart stopped.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "services/ecs/ecs_state.h"

namespace nimbus::image {
class ImageCache;
}

namespace nimbus::ecs {

class ServiceScheduler {
 public:
  // Starts the thread. `state` (with its store, runtime and services) must outlive this
  // object; `images` resolves tags to digests (may be null: nothing is pinned).
  ServiceScheduler(EcsState& state, std::shared_ptr<image::ImageCache> images);
  // Stops and joins the thread (a pass in progress finishes first).
  ~ServiceScheduler();
  ServiceScheduler(const ServiceScheduler&) = delete;
  ServiceScheduler& operator=(const ServiceScheduler&) = delete;

  // Asks for a pass soon. Thread-safe, returns at once.
  void Wake();

 private:
  void Loop();

  EcsState& state_;
  std::shared_ptr<image::ImageCache> images_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  std::thread thread_;
};

// One pass over one service (under ServiceControl's lock): what the scheduler does each time
// it looks at it. Exposed for tests that drive the scheduler without its thread.
void ReconcileService(EcsState& state, image::ImageCache* images, const Scope& scope,
                      const std::string& cluster, const std::string& name);

}  // namespace nimbus::ecs
