#include "services/ecs/runtime/container_runtime.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "services/ecs/runtime/task_supervisor.h"
#include "services/kit/scoped_key.h"

namespace nimbus::ecs {
namespace {

class ContainerRuntime : public TaskRuntime {
 public:
  explicit ContainerRuntime(ContainerRuntimeDeps deps) : deps_(std::move(deps)) {
    std::error_code ec;
    std::filesystem::remove_all(deps_.work_dir, ec);  // what a killed nimbus left
    std::filesystem::create_directories(deps_.work_dir, ec);
  }

  ~ContainerRuntime() override {
    std::map<std::string, Running> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      all = std::move(tasks_);
    }
    for (auto& [id, r] : all) r.supervisor->Shutdown();
    for (auto& [id, r] : all) r.thread.join();
  }

  void Start(TaskLaunch launch) override {
    std::string key = ScopedKey(launch.scope, launch.task_id);
    auto supervisor = std::make_shared<TaskSupervisor>(deps_, std::move(launch));
    std::lock_guard<std::mutex> lock(mu_);
    ReapLocked();
    std::thread thread([supervisor] { supervisor->Run(); });
    tasks_.emplace(key, Running{supervisor, std::move(thread)});
  }

  void Stop(const Scope& scope, const std::string& task_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tasks_.find(ScopedKey(scope, task_id));
    if (it != tasks_.end()) it->second.supervisor->RequestStop();
  }

  Result<std::unique_ptr<sandbox::Sandbox>> Exec(const Scope& scope, const std::string& task_id,
                                                     const std::string& container,
                                                     const std::vector<std::string>& argv,
                                                     int terminal_fd) override {
    std::shared_ptr<TaskSupervisor> supervisor;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = tasks_.find(ScopedKey(scope, task_id));
      if (it != tasks_.end()) supervisor = it->second.supervisor;
    }
    if (!supervisor) return Status::FailedPrecondition("the task is not running");
    return supervisor->Exec(container, argv, terminal_fd);
  }

 private:
  struct Running {
    std::shared_ptr<TaskSupervisor> supervisor;
    std::thread thread;
  };

  // Joins the threads of tasks that have stopped.
  void ReapLocked() {
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      if (it->second.supervisor->done()) {
        it->second.thread.join();
        it = tasks_.erase(it);
      } else {
        ++it;
      }
    }
  }

  ContainerRuntimeDeps deps_;
  std::mutex mu_;
  std::map<std::string, Running> tasks_;
};

}  // namespace

std::unique_ptr<TaskRuntime> MakeContainerRuntime(ContainerRuntimeDeps deps) {
  return std::make_unique<ContainerRuntime>(std::move(deps));
}

}  // namespace nimbus::ecs
