#include "services/ecs/runtime/task_supervisor.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include "core/ids.h"
#include "image/image_command.h"
#include "services/ecs/runtime/container_command.h"
#include "services/ecs/runtime/container_spec.h"
#include "services/ecs/runtime/dependencies.h"
#include "services/ecs/runtime/task_status.h"
#include "services/ecs/task_definition.h"
#include "services/ecs/task_json.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

using Steady = std::chrono::steady_clock;

constexpr char kOomReason[] = "OutOfMemoryError: Container killed due to memory usage";
constexpr char kEssentialExited[] = "Essential container in task exited";

// "CannotStartContainerError: ..." as the Docker daemon words an OCI runtime failure.
std::string CannotStart(const std::string& what) {
  return "CannotStartContainerError: Error response from daemon: failed to create task for "
         "container: failed to create shim task: OCI runtime create failed: runc create failed: "
         "unable to start container process: " +
         what + ": unknown";
}

// The ECS Exec agent of container `c` as AWS shows it once the task was run with
// enableExecuteCommand: {lastStartedAt, name ExecuteCommandAgent, lastStatus}.
void SetExecAgent(const Value& task, Value& c, const char* status, double now) {
  if (!Bool(task, "enableExecuteCommand")) return;
  Value agent = {{"name", "ExecuteCommandAgent"}, {"lastStatus", status}};
  if (c.contains("managedAgents") && c["managedAgents"].is_array() && !c["managedAgents"].empty() &&
      c["managedAgents"][0].contains("lastStartedAt")) {
    agent["lastStartedAt"] = c["managedAgents"][0]["lastStartedAt"];
  } else if (std::string(status) == "RUNNING") {
    agent["lastStartedAt"] = now;
  }
  c["managedAgents"] = Value::array({agent});
}

std::string Clip(std::string s, size_t n) {
  if (s.size() > n) s.resize(n);
  return s;
}

}  // namespace

struct TaskSupervisor::Box {
  std::string name;
  const Value* def = nullptr;
  bool essential = true;
  image::PreparedImage image;
  int stop_signal = 15;
  std::chrono::seconds stop_timeout{30};
  std::string runtime_id;
  std::unique_ptr<ContainerLog> log;
  std::unique_ptr<sandbox::Sandbox> sandbox;
  std::optional<HealthCheckConfig> health_config;
  sandbox::ExecSpec probe;                // the container's user, environment, working dir
  std::unique_ptr<HealthMonitor> health;  // while it runs (declared after `sandbox`: first gone)
  bool live = false;     // launched and not reaped
  bool pending = false;  // not started yet (waiting for its dependencies)
  std::chrono::seconds start_timeout{3600};
  ContainerProgress progress;
  std::optional<Steady::time_point> kill_at;
};

TaskSupervisor::TaskSupervisor(const ContainerRuntimeDeps& deps, TaskLaunch launch)
    : deps_(deps), launch_(std::move(launch)) {
  task_arn_ = Str(launch_.task, "taskArn");
  std::string cluster_arn = Str(launch_.task, "clusterArn");
  cluster_ = cluster_arn.substr(cluster_arn.rfind('/') + 1);
  task_dir_ = deps_.work_dir + "/" + launch_.task_id;
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

TaskSupervisor::~TaskSupervisor() = default;

void TaskSupervisor::RequestStop() {
  stop_requested_ = true;
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof(one));
}

void TaskSupervisor::Shutdown() {
  shutdown_ = true;
  RequestStop();
}

bool TaskSupervisor::Wake() {
  uint64_t n;
  while (::read(wake_.get(), &n, sizeof(n)) > 0) {
  }
  return stop_requested_.load();
}

void TaskSupervisor::Update(const std::function<void(Value&)>& change) {
  if (shutdown_) return;
  auto done = deps_.store->UpdateTask(launch_.scope, launch_.task_id, [&](Value& task) {
    change(task);
    return true;
  });
  if (!done.ok()) {
    std::fprintf(stderr, "nimbus: ecs task %s: %s\n", launch_.task_id.c_str(),
                 done.error().ToString().c_str());
  }
}

static double NowOf(const EcsStore& store) {
  return static_cast<double>(store.clock().NowMillis()) / 1000.0;
}

void TaskSupervisor::Run() {
  if (!launch_.task_definition.contains("containerDefinitions")) {
    launch_.task_definition["containerDefinitions"] = Value::array();
  }
  // Boxes point into the definition: iterate the member itself, not a copy.
  for (const Value& def : launch_.task_definition["containerDefinitions"]) {
    auto box = std::make_unique<Box>();
    box->def = &def;
    box->name = Str(def, "name");
    box->essential = Bool(def, "essential", true);
    if (auto t = OptInt(def, "stopTimeout"); t && *t > 0) box->stop_timeout = std::chrono::seconds(*t);
    if (auto t = OptInt(def, "startTimeout"); t && *t > 0) {
      box->start_timeout = std::chrono::seconds(*t);
    }
    box->runtime_id = RandomHex(64);
    box->health_config = ParseHealthCheck(def, deps_.health_check_second);
    boxes_.push_back(std::move(box));
  }
  if (Prepare()) {
    Supervise();
    // Every container has exited: an essential one's exit or a StopTask set the stop code.
    Finish("EssentialContainerExited", kEssentialExited);
  }
  done_ = true;
}

bool TaskSupervisor::Prepare() {
  // What nimbus cannot give a container fails the task before anything is made.
  for (auto& box : boxes_) {
    const Value* files = Member(*box->def, "environmentFiles");
    if (files != nullptr && files->is_array() && !files->empty()) {
      Finish("TaskFailedToStart",
             "ResourceInitializationError: failed to download env files: environmentFiles are S3 "
             "objects and nimbus serves no S3 yet: put the variables in environment");
      return false;
    }
    if (Bool(*box->def, "privileged")) {
      Finish("TaskFailedToStart", CannotStart("nimbus runs no privileged containers (container " +
                                              box->name + "): they would reach the host"));
      return false;
    }
  }
  TaskNetworkRequest request{launch_.scope,
                             task_arn_,
                             launch_.task_id,
                             cluster_,
                             Str(launch_.task_definition, "networkMode", "bridge"),
                             launch_.task_definition,
                             launch_.request.value("networkConfiguration", Value())};
  auto network = deps_.networks->Create(request);
  if (!network.ok()) {
    const std::string& why = network.error().message();
    bool worded = why.rfind("CannotStartContainerError: ", 0) == 0;  // a port Docker can't bind
    Finish("TaskFailedToStart", Clip(worded ? why : "ResourceInitializationError: " + why, 255));
    return false;
  }
  network_ = std::move(*network);
  // The task's memory and cpu hold across its containers together.
  sandbox::SandboxGroupSpec limits;
  if (auto memory = ParseTaskMemory(Str(launch_.task, "memory")); memory && *memory > 0) {
    limits.memory_mb = static_cast<uint32_t>(*memory);
  }
  if (auto cpu = ParseTaskCpu(Str(launch_.task, "cpu")); cpu && *cpu > 0) {
    limits.cpu_millis = static_cast<uint32_t>(*cpu * 1000 / 1024);
  }
  auto group = deps_.sandboxes->CreateGroup(limits);
  if (!group.ok()) {
    Finish("TaskFailedToStart", "ResourceInitializationError: " + group.error().message());
    return false;
  }
  group_ = std::move(*group);
  double now = NowOf(*deps_.store);
  Update([&](Value& task) {
    SetLastStatus(task, "PENDING");
    task["attachments"] = network_->attachments();
    task["pullStartedAt"] = now;
    for (auto& box : boxes_) {
      if (Value* c = FindContainer(task, box->name)) {
        (*c)["networkBindings"] = network_->network_bindings(box->name);
        (*c)["networkInterfaces"] = network_->network_interfaces(box->name);
      }
    }
  });
  uid_t id_offset = deps_.sandboxes->capabilities().id_offset;
  for (auto& box : boxes_) {
    if (stop_requested_) break;
    auto pin = launch_.pinned_images.find(box->name);
    std::string image = pin != launch_.pinned_images.end() ? pin->second : Str(*box->def, "image");
    auto prepared = deps_.images->Prepare(launch_.scope, image, id_offset);
    if (!prepared.ok()) {
      std::string reason = image::PullFailureReason(image, prepared.error());
      Update([&](Value& task) {
        if (Value* c = FindContainer(task, box->name)) (*c)["reason"] = Clip(reason, 1024);
        task["pullStoppedAt"] = NowOf(*deps_.store);
      });
      Finish("TaskFailedToStart", Clip(reason, 255));
      return false;
    }
    box->image = std::move(*prepared);
    box->stop_signal = StopSignalOf(box->image);
  }
  if (stop_requested_) {
    Finish("UserInitiated", "Task stopped by user");
    return false;
  }
  return true;
}

std::optional<std::string> TaskSupervisor::StartBox(Box& box) {
  ContainerLogRequest log_request{launch_.scope, launch_.task_id,
                                  task_arn_,     cluster_,
                                  box.name,      box.def->value("logConfiguration", Value())};
  log_request.fargate = Str(launch_.task, "launchType") == "FARGATE";
  log_request.runtime_id = box.runtime_id;
  auto log = deps_.logs->Open(log_request);
  if (!log.ok()) return log.error().message();
  box.log = std::move(*log);
  std::error_code ec;
  std::string dir = task_dir_ + "/" + box.name;
  std::filesystem::create_directories(dir + "/upper", ec);
  std::filesystem::create_directories(dir + "/work", ec);
  // Root inside (the id offset outside) owns the root directory, as Docker's userns-remap.
  uid_t root = deps_.sandboxes->capabilities().id_offset;
  if (::chown((dir + "/upper").c_str(), root, root) != 0 && root != 0) {
    return "chown upper dir: " + std::string(std::strerror(errno));
  }
  std::vector<std::string> env = network_->environment(box.name);
  std::string launch_type = Str(launch_.task, "launchType", "EC2");
  env.push_back(launch_type == "FARGATE" ? "AWS_EXECUTION_ENV=AWS_ECS_FARGATE"
                                         : "AWS_EXECUTION_ENV=AWS_ECS_EC2");
  if (launch_type == "FARGATE") {
    env.push_back("AWS_REGION=" + launch_.scope.region);
    env.push_back("AWS_DEFAULT_REGION=" + launch_.scope.region);
  }
  ContainerSpecInput in;
  in.definition = box.def;
  in.override = ContainerOverride(launch_.task, box.name);
  in.task = &launch_.task;
  in.task_definition = &launch_.task_definition;
  in.task_volumes_dir = task_dir_ + "/.volumes";  // container names have no dots
  in.shared_volumes_dir =
      deps_.shared_volumes_dir + "/" + launch_.scope.account + "/" + launch_.scope.region;
  in.root_id = root;
  in.image = &box.image;
  in.upper_dir = dir + "/upper";
  in.work_dir = dir + "/work";
  in.hostname = box.runtime_id.substr(0, 12);
  in.extra_env = std::move(env);
  in.netns_fd = network_->netns_fd();
  in.group = group_.get();
  in.host_cpus = deps_.sandboxes->capabilities().host_cpus;
  auto spec = BuildContainerSpec(in);
  if (!spec.ok()) return CannotStart(spec.error().message());
  auto sandbox = deps_.sandboxes->Launch(*spec);
  if (!sandbox.ok()) return CannotStart(sandbox.error().message());
  {
    std::lock_guard<std::mutex> lock(exec_mu_);
    box.sandbox = std::move(*sandbox);
    box.live = true;
  }
  // What a health check's probe and ECS Exec start in the container from (sandbox exec).
  box.probe.env = spec->env;
  box.probe.working_dir = spec->working_dir.empty() ? "/" : spec->working_dir;
  box.probe.uid = spec->uid;
  box.probe.gid = spec->gid;
  box.probe.capabilities = spec->capabilities;
  box.probe.open_files_limit = spec->open_files_limit;
  box.probe.resource_limits = spec->resource_limits;
  box.probe.discard_output = true;
  if (box.health_config) {
    Box* b = &box;
    box.health = std::make_unique<HealthMonitor>(*box.health_config, Steady::now(),
                                                 [this, b] { return StartProbe(*b); });
  }
  box.progress.started = true;
  network_->OnContainerStarted(box.name, box.runtime_id,
                               {box.sandbox->CgroupDir("memory"), box.sandbox->CgroupDir("cpu"),
                                box.sandbox->CgroupDir("pids")});
  box.log->Attach(box.sandbox->TakeStdout(), box.sandbox->TakeStderr());
  if (running_written_) {  // started after the task was RUNNING (a dependency resolved late)
    Update([&](Value& task) {
      if (Value* c = FindContainer(task, box.name)) {
        (*c)["lastStatus"] = "RUNNING";
        (*c)["runtimeId"] = box.runtime_id;
        (*c)["imageDigest"] = box.image.digest;
        SetExecAgent(task, *c, "RUNNING", NowOf(*deps_.store));
      }
    });
  }
  return std::nullopt;
}

void TaskSupervisor::FailBox(Box& box, const std::string& reason) {
  box.pending = false;
  box.progress.start_failed = true;
  Update([&](Value& task) {
    if (Value* c = FindContainer(task, box.name)) {
      (*c)["reason"] = Clip(reason, 1024);
      (*c)["lastStatus"] = "STOPPED";
    }
    if (!task.contains("pullStoppedAt")) task["pullStoppedAt"] = pulled_;
    if (box.essential && !task.contains("stopCode")) {
      task["desiredStatus"] = "STOPPED";
      task["stopCode"] = "TaskFailedToStart";
      task["stoppedReason"] = Clip(reason, 255);
      task["stoppingAt"] = NowOf(*deps_.store);
    }
  });
  if (box.essential) BeginStop();
}

std::optional<Steady::time_point> TaskSupervisor::StartReady() {
  std::optional<Steady::time_point> next_deadline;
  bool progressed = true;
  while (progressed && !stopping_) {
    progressed = false;
    std::map<std::string, ContainerProgress> progress;
    for (auto& box : boxes_) progress[box->name] = box->progress;
    for (auto& box : boxes_) {
      if (!box->pending || stopping_) continue;
      auto verdict = CheckDependencies(box->def->value("dependsOn", Value::array()), progress);
      auto deadline = supervise_began_ + box->start_timeout;
      if (verdict.state == DependencyVerdict::kWaiting && Steady::now() >= deadline) {
        verdict = {DependencyVerdict::kFailed, "dependencies not resolved within startTimeout (" +
                                                   std::to_string(box->start_timeout.count()) +
                                                   " s)"};
      }
      if (verdict.state == DependencyVerdict::kWaiting) {
        if (!next_deadline || deadline < *next_deadline) next_deadline = deadline;
        continue;
      }
      progressed = true;
      if (verdict.state == DependencyVerdict::kFailed) {
        FailBox(*box, "DependencyError: " + verdict.reason);
        break;
      }
      box->pending = false;
      if (auto failure = StartBox(*box)) {
        FailBox(*box, *failure);
      }
      break;  // progress changed: look again from the first container
    }
  }
  bool pending = false;
  for (auto& box : boxes_) pending = pending || box->pending;
  if (!pending && !stopping_ && !running_written_) WriteRunning();
  return next_deadline;
}

void TaskSupervisor::WriteRunning() {
  running_written_ = true;
  double now = NowOf(*deps_.store);
  Update([&](Value& task) {
    SetLastStatus(task, "RUNNING");
    task["pullStoppedAt"] = pulled_;
    task["startedAt"] = now;
    for (auto& box : boxes_) {
      Value* c = FindContainer(task, box->name);
      if (c == nullptr || !box->progress.started) continue;
      if (!box->progress.exit_code) {
        (*c)["lastStatus"] = "RUNNING";
        SetExecAgent(task, *c, "RUNNING", now);
      }
      (*c)["runtimeId"] = box->runtime_id;
      (*c)["imageDigest"] = box->image.digest;
    }
  });
  network_->OnRunning();
}

void TaskSupervisor::BeginStop() {
  if (stopping_) return;
  stopping_ = true;
  if (shutdown_) {
    for (auto& box : boxes_) {
      if (box->live) box->sandbox->Kill();
    }
    return;
  }
  auto now = Steady::now();
  for (auto& box : boxes_) {
    if (!box->live) continue;
    box->sandbox->Signal(box->stop_signal);
    box->kill_at = now + box->stop_timeout;
  }
  Update([&](Value& task) { SetLastStatus(task, "DEACTIVATING"); });
}

Result<std::unique_ptr<sandbox::Sandbox>> TaskSupervisor::StartProbe(Box& box) {
  sandbox::ExecSpec exec = box.probe;
  exec.argv = ProbeArgv(box.health_config->command);
  if (exec.argv.empty()) return Status::InvalidArgument("no health check command");
  auto exe = image::ResolveExecutable(box.image.layers, exec.argv[0], EnvValue(exec.env, "PATH"),
                                      exec.working_dir);
  if (!exe.ok()) return exe.error();
  exec.argv[0] = *exe;
  return deps_.sandboxes->Exec(*box.sandbox, exec);
}

void TaskSupervisor::WriteHealth(Box& box) {
  box.progress.health = box.health->health();
  std::vector<ContainerHealth> all;
  for (auto& b : boxes_)
    all.push_back({b->essential, b->health_config.has_value(), b->progress.health});
  Health task_health = TaskHealth(all);
  // (A service's scheduler replaces an UNHEALTHY task; one run on its own lives on regardless.)
  Update([&](Value& task) {
    if (Value* c = FindContainer(task, box.name)) {
      (*c)["healthStatus"] = HealthName(box.progress.health);
    }
    task["healthStatus"] = HealthName(task_health);
  });
}

void TaskSupervisor::RecordExit(Box& box) {
  std::unique_lock<std::mutex> lock(exec_mu_);
  auto status = box.sandbox->TryWait();
  if (!status) return;
  box.live = false;
  lock.unlock();
  box.health.reset();  // its probe goes too
  int code = status->exited ? status->code : 128 + status->signal;
  bool oom = box.sandbox->WasOomKilled();
  if (oom) code = 137;
  box.progress.exit_code = code;
  Update([&](Value& task) {
    if (Value* c = FindContainer(task, box.name)) {
      (*c)["lastStatus"] = "STOPPED";
      (*c)["exitCode"] = code;
      SetExecAgent(task, *c, "STOPPED", 0);
      if (oom) (*c)["reason"] = kOomReason;
    }
    if (box.essential && !task.contains("stopCode")) {
      task["desiredStatus"] = "STOPPED";
      task["stopCode"] = "EssentialContainerExited";
      task["stoppedReason"] = kEssentialExited;
      task["stoppingAt"] = NowOf(*deps_.store);
    }
  });
  if (box.essential) BeginStop();
}

void TaskSupervisor::Supervise() {
  pulled_ = NowOf(*deps_.store);
  supervise_began_ = Steady::now();
  for (auto& box : boxes_) box->pending = true;
  for (;;) {
    if (stop_requested_) BeginStop();
    std::optional<Steady::time_point> next = StartReady();
    std::vector<struct pollfd> fds = {{wake_.get(), POLLIN, 0}};
    std::vector<Box*> polled;
    for (auto& box : boxes_) {
      if (!box->live) continue;
      fds.push_back({box->sandbox->exit_fd(), POLLIN, 0});
      polled.push_back(box.get());
      if (box->kill_at && (!next || *box->kill_at < *next)) next = box->kill_at;
    }
    for (auto& box : boxes_) {  // health probes: wake when one exits or is due
      if (!box->health) continue;
      if (int fd = box->health->probe_fd(); fd >= 0) fds.push_back({fd, POLLIN, 0});
      if (!next || box->health->next() < *next) next = box->health->next();
    }
    bool pending = false;
    for (auto& box : boxes_) pending = pending || (box->pending && !stopping_);
    if (polled.empty() && !pending) break;
    int timeout = -1;
    if (next) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - Steady::now());
      timeout = static_cast<int>(std::max<int64_t>(left.count(), 0));
    }
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) break;
    if (fds[0].revents) Wake();
    for (size_t i = 0; i < polled.size(); ++i) {
      if (fds[i + 1].revents) RecordExit(*polled[i]);
    }
    auto now = Steady::now();
    for (auto& box : boxes_) {
      if (box->health && box->health->Step(now)) WriteHealth(*box);
    }
    for (auto& box : boxes_) {
      if (box->live && box->kill_at && now >= *box->kill_at) {
        box->sandbox->Kill();
        box->kill_at.reset();
      }
    }
  }
}

void TaskSupervisor::Finish(const std::string& stop_code, const std::string& reason) {
  double stopped_running = NowOf(*deps_.store);
  Update([&](Value& task) {
    task["executionStoppedAt"] = stopped_running;
    SetLastStatus(task, "DEPROVISIONING");
  });
  for (auto& box : boxes_) {
    box->health.reset();
    {
      std::lock_guard<std::mutex> lock(exec_mu_);
      box->live = false;
      box->sandbox.reset();
    }
    box->log.reset();  // waits for the last lines
  }
  group_.reset();  // queued for removal behind the sandboxes
  network_.reset();
  std::error_code ec;
  std::filesystem::remove_all(task_dir_, ec);
  double now = NowOf(*deps_.store);
  Update([&](Value& task) { MarkStopped(task, stop_code, reason, "", now); });
}

Result<std::unique_ptr<sandbox::Sandbox>> TaskSupervisor::Exec(
    const std::string& container, const std::vector<std::string>& argv, int terminal_fd) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  std::lock_guard<std::mutex> lock(exec_mu_);
  for (auto& box : boxes_) {
    if (box->name != container) continue;
    if (!box->live || !box->sandbox) {
      return Status::FailedPrecondition("container " + container + " is not running");
    }
    // ECS Exec runs as root (the agent's user), with the container's environment and limits.
    sandbox::ExecSpec spec = box->probe;
    spec.discard_output = false;
    auto exe = image::ResolveExecutable(box->image.layers, argv[0], EnvValue(spec.env, "PATH"),
                                        spec.working_dir);
    if (!exe.ok()) return exe.error();
    spec.argv = argv;
    spec.argv[0] = *exe;
    spec.uid = 0;
    spec.gid = 0;
    spec.terminal_fd = terminal_fd;
    return deps_.sandboxes->Exec(*box->sandbox, spec);
  }
  return Status::FailedPrecondition("the task has no container " + container);
}

}  // namespace nimbus::ecs
