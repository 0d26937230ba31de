#include "services/ecs/runtime/no_container_runtime.h"

#include <cstdio>

#include "services/ecs/runtime/task_status.h"

namespace nimbus::ecs {
namespace {

class NoContainerRuntime : public TaskRuntime {
 public:
  NoContainerRuntime(std::shared_ptr<EcsStore> store, std::string why)
      : store_(std::move(store)), why_(std::move(why)) {}

  void Start(TaskLaunch launch) override {
    double now = static_cast<double>(store_->clock().NowMillis()) / 1000.0;
    std::string reason = "ResourceInitializationError: " + why_;
    auto done = store_->UpdateTask(launch.scope, launch.task_id, [&](Value& task) {
      MarkStopped(task, "TaskFailedToStart", reason, reason, now);
      return true;
    });
    if (!done.ok()) {
      std::fprintf(stderr, "nimbus: ecs task %s: %s\n", launch.task_id.c_str(),
                   done.error().ToString().c_str());
    }
  }
  void Stop(const Scope&, const std::string&) override {}

 private:
  std::shared_ptr<EcsStore> store_;
  std::string why_;
};

}  // namespace

std::unique_ptr<TaskRuntime> MakeNoContainerRuntime(std::shared_ptr<EcsStore> store,
                                                    std::string why) {
  return std::make_unique<NoContainerRuntime>(std::move(store), std::move(why));
}

}  // namespace nimbus::ecs
