// One task's life in containers (container_runtime.h): Run() on a thread of its own from
// PROVISIONING to STOPPED. RequestStop and Shutdown may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/fd.h"
#include "services/ecs/runtime/container_runtime.h"

namespace nimbus::ecs {

class TaskSupervisor {
 public:
  TaskSupervisor(const ContainerRuntimeDeps& deps, TaskLaunch launch);
  ~TaskSupervisor();
  TaskSupervisor(const TaskSupervisor&) = delete;
  TaskSupervisor& operator=(const TaskSupervisor&) = delete;

  // Runs the task until it has STOPPED and nothing of it is left; then done() is true.
  void Run();
  // StopTask: the containers' stop signal, then SIGKILL after their stopTimeout.
  void RequestStop();
  // nimbus is stopping: kill every container now and write nothing more.
  void Shutdown();
  bool done() const { return done_.load(); }
  // TaskRuntime::Exec for one of this task's containers. Any thread.
  Result<std::unique_ptr<sandbox::Sandbox>> Exec(const std::string& container,
                                                     const std::vector<std::string>& argv,
                                                     int terminal_fd);

 private:
  struct Box;
  void Update(const std::function<void(Value&)>& change);
  using Steady = std::chrono::steady_clock;
  bool Prepare();
  // Starts the containers whose dependencies are met, fails those whose cannot be; writes
  // RUNNING once none waits. Returns when the next startTimeout runs out, if one waits.
  std::optional<Steady::time_point> StartReady();
  std::optional<std::string> StartBox(Box& box);  // the failure reason, if any
  void FailBox(Box& box, const std::string& reason);
  void WriteRunning();
  void Supervise();
  void Finish(const std::string& stop_code, const std::string& reason);
  void BeginStop();
  void RecordExit(Box& box);
  // A probe of the box's health check in its container (sandbox exec).
  Result<std::unique_ptr<sandbox::Sandbox>> StartProbe(Box& box);
  // Writes the box's new health and the task's.
  void WriteHealth(Box& box);
  bool Wake();  // drains the wake-up eventfd; true when a stop or shutdown is pending

  const ContainerRuntimeDeps& deps_;
  TaskLaunch launch_;
  std::string cluster_, task_arn_, task_dir_;
  std::unique_ptr<TaskNetwork> network_;
  // The task's cgroup: its memory and cpu across all containers (declared before boxes_:
  // destroyed after their sandboxes).
  std::unique_ptr<sandbox::SandboxGroup> group_;
  std::vector<std::unique_ptr<Box>> boxes_;
  // Guards each box's sandbox and `live` against Exec from other threads (the supervisor's own
  // reads need no lock: it is their only writer).
  mutable std::mutex exec_mu_;
  sandbox::UniqueFd wake_;  // eventfd: RequestStop / Shutdown
  std::atomic<bool> stop_requested_{false}, shutdown_{false}, done_{false};
  bool stopping_ = false;
  bool running_written_ = false;
  double pulled_ = 0;  // pullStoppedAt
  Steady::time_point supervise_began_;
};

}  // namespace nimbus::ecs
