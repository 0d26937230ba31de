#include "services/ecs/runtime/container_spec.h"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <map>
#include <optional>

#include "image/image_command.h"
#include "sandbox/image_user.h"
#include "services/ecs/runtime/container_command.h"
#include "services/ecs/runtime/container_volumes.h"
#include "services/ecs/task_definition.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

std::optional<std::vector<std::string>> Strings(const Value* holder, const char* key) {
  const Value* v = holder ? Member(*holder, key) : nullptr;
  if (v == nullptr || !v->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const Value& s : *v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

uint32_t HostMemoryMb() {
  long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return 4096;
  return static_cast<uint32_t>((static_cast<uint64_t>(pages) * size) >> 20);
}

// The definition's ulimits as setrlimit limits (-1: unlimited); registration checked the names.
std::vector<sandbox::ResourceLimit> ResourceLimits(const Value& def) {
  static const std::map<std::string, int> kResources = {
      {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
      {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
      {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK}};
  std::vector<sandbox::ResourceLimit> limits;
  const Value* list = Member(def, "ulimits");
  if (list == nullptr || !list->is_array()) return limits;
  auto value = [](int64_t v) { return v < 0 ? uint64_t{RLIM_INFINITY} : static_cast<uint64_t>(v); };
  for (const Value& u : *list) {
    auto it = kResources.find(Str(u, "name"));
    if (it == kResources.end()) continue;
    limits.push_back(
        {it->second, value(Int(u, "softLimit")), value(Int(u, "hardLimit")), it->first});
  }
  return limits;
}

}  // namespace

int StopSignalOf(const image::PreparedImage& image) {
  auto sig = image::ParseStopSignal(image.config.stop_signal);
  return sig.ok() ? *sig : SIGTERM;
}

Result<sandbox::SandboxSpec> BuildContainerSpec(const ContainerSpecInput& in) {
  const Value& def = *in.definition;
  const image::ImageConfig& config = in.image->config;
  sandbox::SandboxSpec spec;

  // The command: the override's command replaces the definition's.
  auto command = Strings(in.override, "command");
  if (!command) command = Strings(&def, "command");
  std::vector<std::string> argv =
      image::MergeCommand(config.entrypoint, config.cmd, Strings(&def, "entryPoint"), command)
          .argv();
  if (argv.empty()) {
    return Status::FailedPrecondition("No command specified");
  }

  std::vector<const Value*> environment = {Member(def, "environment")};
  if (in.override) environment.push_back(Member(*in.override, "environment"));
  std::vector<std::string> extra = in.extra_env;
  extra.push_back("HOSTNAME=" + in.hostname);
  spec.env = MergeEnvironment(config.env, environment, extra);

  spec.working_dir = Str(def, "workingDirectory", config.working_dir);
  if (spec.working_dir.empty()) spec.working_dir.push_back('/');
  if (in.task_definition != nullptr) {
    auto binds = PrepareContainerBinds(*in.task_definition, def, in.task_volumes_dir,
                                       in.shared_volumes_dir, in.root_id, in.image->layers);
    if (!binds.ok()) return binds.error();
    spec.binds = std::move(*binds);
  }
  std::vector<image::MountedDir> mounts;  // the program may come with a mountPoint, as in Docker
  for (const auto& b : spec.binds) mounts.push_back({b.host_dir, b.target});
  auto exe = image::ResolveExecutable(in.image->layers, argv[0], EnvValue(spec.env, "PATH"),
                                      spec.working_dir, mounts);
  if (!exe.ok()) return Status::FailedPrecondition(exe.error().message());
  argv[0] = *exe;
  spec.argv = std::move(argv);

  auto user = sandbox::ResolveImageUser(in.image->layers, Str(def, "user", config.user));
  if (!user.ok()) return Status::FailedPrecondition(user.error().message());
  spec.uid = user->uid;
  spec.gid = user->gid;
  if (EnvValue(spec.env, "HOME").empty()) {
    spec.env.push_back(user->uid == 0 ? "HOME=/root" : "HOME=/");
  }
  spec.capabilities = sandbox::kDockerDefaultCapabilities;
  const Value* linux_params = Member(def, "linuxParameters");
  spec.program_is_pid1 = !(linux_params && Bool(*linux_params, "initProcessEnabled"));
  spec.hostname = in.hostname;

  sandbox::ImageRootFs root;
  root.layers = in.image->layers;
  root.upper_dir = in.upper_dir;
  root.work_dir = in.work_dir;
  spec.image = std::move(root);
  spec.read_only_root = Bool(def, "readonlyRootFilesystem");

  // Limits: the container's hard limit (or the task's memory), cpu units as shares, the task's
  // cpu as a quota (else all of the host's).
  auto memory = in.override ? OptInt(*in.override, "memory") : std::nullopt;
  if (!memory) memory = OptInt(def, "memory");
  if (!memory) {
    if (auto task_memory = ParseTaskMemory(Str(*in.task, "memory"))) memory = *task_memory;
  }
  spec.memory_mb = memory && *memory > 0 ? static_cast<uint32_t>(*memory) : HostMemoryMb();
  auto cpu = in.override ? OptInt(*in.override, "cpu") : std::nullopt;
  if (!cpu) cpu = OptInt(def, "cpu");
  spec.cpu_shares = static_cast<uint32_t>(std::max<int64_t>(cpu.value_or(0), 2));
  auto task_cpu = ParseTaskCpu(Str(*in.task, "cpu"));
  spec.cpu_millis = task_cpu && *task_cpu > 0
                        ? static_cast<uint32_t>(*task_cpu * 1000 / 1024)
                        : static_cast<uint32_t>(std::max(in.host_cpus, 1) * 1000);
  for (int c = 0; c < std::max(in.host_cpus, 1); ++c) spec.cpus.push_back(c);
  spec.pids_limit = 32768;
  // Fargate's nofile (65535) unless the definition's ulimits say otherwise.
  spec.resource_limits = ResourceLimits(def);
  spec.open_files_limit = 65535;
  for (const auto& limit : spec.resource_limits) {
    if (limit.resource == RLIMIT_NOFILE) spec.open_files_limit = 0;
  }
  spec.netns_fd = in.netns_fd;
  spec.group = in.group;
  spec.network_none = false;
  return spec;
}

}  // namespace nimbus::ecs
