#include <cstdio>
#include <filesystem>
#include <utility>

#include "services/ecs/awslogs/log_driver.h"
#include "services/ecs/ecs_service.h"
#include "services/ecs/ecs_state.h"
#include "services/ecs/exec/exec_endpoint.h"
#include "services/ecs/exec_control.h"
#include "services/ecs/network/vpc_network.h"
#include "services/ecs/ops.h"
#include "services/ecs/runtime/container_runtime.h"
#include "services/ecs/runtime/debug_log_driver.h"
#include "services/ecs/runtime/no_container_runtime.h"
#include "services/ecs/runtime/recovery.h"
#include "services/ecs/services/ops_services.h"
#include "services/ecs/services/scheduler.h"
#include "services/kit/operations.h"

namespace nimbus::ecs {
namespace {

// Operations of the model not listed here answer 501 naming them.
constexpr Operation<EcsState> kOperations[] = {
    {"CreateCluster", ops::CreateCluster},
    {"DescribeClusters", ops::DescribeClusters},
    {"ListClusters", ops::ListClusters},
    {"DeleteCluster", ops::DeleteCluster},
    {"RegisterTaskDefinition", ops::RegisterTaskDefinition},
    {"DescribeTaskDefinition", ops::DescribeTaskDefinition},
    {"ListTaskDefinitions", ops::ListTaskDefinitions},
    {"ListTaskDefinitionFamilies", ops::ListTaskDefinitionFamilies},
    {"DeregisterTaskDefinition", ops::DeregisterTaskDefinition},
    {"DeleteTaskDefinitions", ops::DeleteTaskDefinitions},
    {"RunTask", ops::RunTask},
    {"StartTask", ops::StartTask},
    {"StopTask", ops::StopTask},
    {"DescribeTasks", ops::DescribeTasks},
    {"ListTasks", ops::ListTasks},
    {"ExecuteCommand", ops::ExecuteCommand},
    {"TagResource", ops::TagResource},
    {"UntagResource", ops::UntagResource},
    {"ListTagsForResource", ops::ListTagsForResource},
    {"ListAccountSettings", ops::ListAccountSettings},
    {"PutAccountSetting", ops::PutAccountSetting},
    {"PutAccountSettingDefault", ops::PutAccountSettingDefault},
    {"DeleteAccountSetting", ops::DeleteAccountSetting},
    {"CreateService", ops::CreateService},
    {"UpdateService", ops::UpdateService},
    {"DescribeServices", ops::DescribeServices},
    {"ListServices", ops::ListServices},
    {"DeleteService", ops::DeleteService},
    {"ListServiceDeployments", ops::ListServiceDeployments},
    {"DescribeServiceDeployments", ops::DescribeServiceDeployments},
    {"DescribeServiceRevisions", ops::DescribeServiceRevisions},
};

// Containers when nimbus can run them (a server, with images and sandboxes), else a runtime
// that stops each task saying why.
std::shared_ptr<TaskRuntime> MakeRuntime(ServiceContext& ctx, std::shared_ptr<EcsStore> store,
                                         std::shared_ptr<sandbox::Outbound> outbound) {
  if (ctx.loops.empty()) {
    return MakeNoContainerRuntime(store, "nimbus runs no containers in this process");
  }
  if (!ctx.links.images) {
    return MakeNoContainerRuntime(store, "nimbus has no image cache (ECR is not built)");
  }
  sandbox::SandboxManagerOptions options;
  options.state_dir = ctx.data_dir + "/ecs/sandbox";
  options.disk_tmp = false;  // containers keep /tmp in their image's writable layer
  auto sandboxes = sandbox::SandboxManager::Create(options);
  if (!sandboxes.ok()) {
    std::fprintf(stderr, "nimbus: ecs: containers off: %s\n", sandboxes.error().ToString().c_str());
    return MakeNoContainerRuntime(store, "containers are off: " + sandboxes.error().message());
  }
  if ((*sandboxes)->capabilities().isolation == sandbox::SandboxCapabilities::Isolation::kNone) {
    return MakeNoContainerRuntime(store, "containers are off: the kernel gives no namespaces");
  }
  ContainerRuntimeDeps deps;
  deps.store = store;
  deps.images = ctx.links.images;
  deps.sandboxes = std::move(*sandboxes);
  VpcNetworkOptions network;
  network.namespaces = sandbox::HostNetworkNamespaces();
  network.state_dir = ctx.data_dir + "/ecs/vpc";
  network.loops = ctx.loops;
  network.listeners = ctx.listeners;
  network.store = store;
  network.clock = ctx.clock;
  network.host_endpoint_url = "http://" + ctx.host + ":" + std::to_string(ctx.port);
  network.outbound = std::move(outbound);
  network.issuer = ctx.credentials;
  deps.networks = MakeVpcNetworkProvider(std::move(network));
  deps.logs = awslogs::MakeLogDriver(
      ctx.links.log_sink, *ctx.clock,
      MakeDebugLogDriver(ctx.flags.Int("--ecs-echo-container-output") != 0));
  deps.work_dir = ctx.data_dir + "/ecs/tasks";
  deps.shared_volumes_dir = ctx.data_dir + "/ecs/volumes";
  deps.health_check_second =
      std::chrono::milliseconds(ctx.flags.Int("--ecs-health-check-second-ms", 1000));
  return MakeContainerRuntime(std::move(deps));
}

// --ecs-outbound: pasta for each bridge/awsvpc task, or null (off). An outbound asked for and
// not available is an error at start, never a silent fallback.
Result<std::shared_ptr<sandbox::Outbound>> MakeOutbound(ServiceContext& ctx) {
  std::string flag = ctx.flags.Str("--ecs-outbound");
  std::string dir = ctx.data_dir + "/ecs/outbound";
  if (flag == "off") {
    sandbox::RemoveStaleOutboundLinks(dir);  // PastaOutbound does it when on
    return std::shared_ptr<sandbox::Outbound>();
  }
  if (flag != "on")
    return Status::InvalidArgument("--ecs-outbound must be on or off, not '" + flag + "'");
  std::error_code ec;
  std::filesystem::create_directories(ctx.data_dir + "/ecs", ec);
  // Its interface beside the task's eth0 (the host's may be called eth0 too).
  std::shared_ptr<sandbox::Outbound> pasta = sandbox::PastaOutbound(dir, "tap0");
  if (!pasta) {
    return Status::FailedPrecondition(
        "--ecs-outbound on needs pasta (Debian package passt) on PATH");
  }
  return pasta;
}

// The operations' provider plus ECS Exec's data channel route.
class EcsProvider : public Provider {
 public:
  EcsProvider(std::unique_ptr<Provider> ops, std::shared_ptr<EcsState> state)
      : ops_(std::move(ops)), state_(std::move(state)) {}
  std::string_view service_name() const override { return ops_->service_name(); }
  void RegisterOperations(OperationTable& table) override { ops_->RegisterOperations(table); }
  void RegisterRoutes(RouteTable& routes) override {
    routes.AddRoute(exec::kDataChannelPath,
                    exec::MakeDataChannelHandler(state_->exec_sessions, state_->runtime));
  }

 private:
  std::unique_ptr<Provider> ops_;
  std::shared_ptr<EcsState> state_;
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto outbound = MakeOutbound(ctx);
  if (!outbound.ok()) return outbound.error();
  auto store = MakeEcsStore(*ctx.db, *ctx.clock);
  if (!store.ok()) return store.error();
  auto recovered = StopTasksLeftByRestart(**store);
  if (!recovered.ok()) return recovered.error();
  if (*recovered > 0) {
    std::fprintf(stderr, "nimbus: ecs: %d task(s) left running by the last run reported STOPPED\n",
                 *recovered);
  }
  auto services = MakeServiceStore(*ctx.db);
  if (!services.ok()) return services.error();
  auto state = std::make_shared<EcsState>();
  state->store = *store;
  state->runtime = MakeRuntime(ctx, *store, std::move(*outbound));
  state->services = std::make_shared<ServiceControl>();
  state->services->store = *services;
  state->services->timing.healthy_after_ms = ctx.flags.Int("--ecs-task-healthy-seconds") * 1000;
  if (!ctx.loops.empty()) {  // a server: services get their tasks (harnesses: control plane only)
    state->scheduler = std::make_shared<ServiceScheduler>(*state, ctx.links.images);
    state->services->wake = [scheduler = state->scheduler.get()] { scheduler->Wake(); };
  }
  std::string host = ctx.host.empty() || ctx.host == "0.0.0.0" ? "127.0.0.1" : ctx.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  state->exec_sessions = std::make_shared<exec::ExecSessions>(
      "ws://" + host + ":" + std::to_string(ctx.port),
      std::chrono::seconds(ctx.flags.Int("--ecs-exec-idle-timeout", 1200)));
  ctx.links.ecs_exec = MakeExecSessionControl(state);
  auto ops = MakeProvider("ecs", state, kOperations);
  return std::unique_ptr<Provider>(new EcsProvider(std::move(ops), std::move(state)));
}

}  // namespace

ServiceFactory EcsService() {
  return {"ecs",
          {{"--ecs-echo-container-output", "0|1",
            "1: write ECS containers' output without a log driver nimbus serves to nimbus's\n"
            "stderr (\"ecs <task id>/<container>: <line>\")",
            "0", true, 0, 1},
           {"--ecs-task-healthy-seconds", "SECONDS",
            "how long a RUNNING service task whose containers have no health check runs before\n"
            "it counts healthy (AWS: 40; tests shrink it)",
            "40", true, 0, 3600},
           {"--ecs-health-check-second-ms", "N",
            "how many milliseconds one second of a container healthCheck's interval, timeout\n"
            "and startPeriod lasts (tests shrink it; registration keeps AWS's limits)",
            "1000", true, 1, 1000},
           {"--ecs-outbound", "on|off",
            "let bridge and awsvpc tasks reach the outside world through pasta (Debian package\n"
            "passt), which must be installed (default off: a task reaches only its account's\n"
            "VPC and nimbus)",
            "off"},
           {"--ecs-exec-idle-timeout", "SECONDS",
            "ECS Exec sessions nothing went through for this long end (AWS: 20 minutes)", "1200",
            true, 1, 86400}},
          Create};
}

}  // namespace nimbus::ecs
