// Building, starting and stopping the data plane; idle reaping.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "services/kit/operations.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/embedded_runtimes.h"
#include "services/lambda/invoke/environment_network.h"
#include "services/lambda/invoke/event_queue.h"

namespace nimbus::lambda {

namespace asio = boost::asio;

namespace {

// Writes `content` to `path` unless it already holds exactly that (read-only for functions).
Status WriteIfChanged(const std::string& path, std::string_view content) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Status::IoError("cannot create " + path + ": " + ec.message());
  // Common start: the file is already current; compare sizes first, then the bytes in one read.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == content.size()) {
    std::ifstream in(path, std::ios::binary);
    std::string existing(content.size(), '\0');
    if (in.read(existing.data(), static_cast<std::streamsize>(existing.size())) &&
        existing == content) {
      return Status::Ok();
    }
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) return Status::IoError("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0755);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IoError("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

DataPlaneImpl::DataPlaneImpl(DataPlaneDeps deps, std::unique_ptr<sandbox::SandboxManager> sandboxes,
                             std::string runtimes_dir, EnvironmentNetworks networks)
    : deps_(std::move(deps)),
      sandboxes_(std::move(sandboxes)),
      runtimes_dir_(std::move(runtimes_dir)),
      networks_(std::move(networks)),
      urls_(*deps_.registry, *deps_.clock, *this),
      shipper_(deps_.logs.get()),
      pool_(deps_.options.account_concurrency) {
  for (asio::io_context* loop : deps_.loops) {
    freeze_timers_.push_back(std::make_unique<asio::steady_timer>(*loop));
  }
  freeze_armed_.assign(deps_.loops.size(), false);
  events_ = std::make_unique<EventQueue>(*this, *deps_.registry, deps_.destinations, *deps_.db,
                                         *deps_.clock, deps_.options.async_retry_base_seconds);
  if (deps_.images) {
    image_prep_ = std::make_unique<ImagePrep>(*deps_.images, sandboxes_->capabilities().id_offset);
  }
  deps_.registry->AddChangeListener(
      [this](const std::string& account, const std::string& region, const std::string& name) {
        Retire(account, region, name);
        // A created or changed image function's layers unpack now, not at its first invoke.
        if (image_prep_) {
          auto latest = deps_.registry->ResolveInvoke(account, region, name, "$LATEST");
          if (latest.ok()) image_prep_->Prefetch(latest->function);
        }
      });
}

DataPlaneImpl::~DataPlaneImpl() {
  std::vector<std::shared_ptr<Environment>> all;
  // Shutdown phase as on Lambda: SIGTERM, at most kShutdownGrace, then SIGKILL. A grace that
  // Shutdown() started already is not granted again.
  auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) deadline = std::min(deadline, shutdown_kill_at_);
    shutting_down_ = true;
    all = pool_.All();
  }
  for (auto& env : all) {
    if (env->sandbox) env->sandbox->SignalTerminate();
  }
  for (auto& env : all) {
    if (!env->sandbox) continue;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    env->sandbox->Terminate(std::max(left, std::chrono::milliseconds(0)));
  }
  shipper_.Flush();
}

Status DataPlaneImpl::StartEventQueue() {
  NIMBUS_RETURN_IF_ERROR(events_->Migrate());
  events_->Start(*deps_.loops.front());
  asio::co_spawn(*deps_.loops.front(), Reaper(), asio::detached);
  return Status::Ok();
}

void DataPlaneImpl::RegisterOperations(OperationTable& table) {
  static constexpr Operation<DataPlaneImpl> kOperations[] = {
      {"Invoke", nullptr, AsyncMember<&DataPlaneImpl::Invoke>},
      {"InvokeWithResponseStream", nullptr, AsyncMember<&DataPlaneImpl::InvokeWithResponseStream>},
  };
  AddOperations(table, *this, kOperations);
}

void DataPlaneImpl::RegisterRoutes(RouteTable& routes) { urls_.RegisterRoutes(routes); }

void DataPlaneImpl::Shutdown() {
  events_->Stop();
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  shutdown_kill_at_ = std::chrono::steady_clock::now() + kShutdownGrace;
  pool_.ForEach([&](const std::shared_ptr<Environment>& env) {
    {
      // A parked /next stays parked (Next): the runtime learns of the shutdown from SIGTERM, as
      // on Lambda, not from an error that could reach it before the signal does.
      if (env->sandbox) env->sandbox->SignalTerminate();
      if (env->current && !env->current->finished) {
        FinishLocked(*env, *env->current, true,
                     R"({"errorMessage":"nimbus is shutting down","errorType":"Runtime.Unknown"})");
      }
      env->state = Environment::State::kDead;
    }
  });
}

bool DataPlaneImpl::Stopped() {
  std::lock_guard<std::mutex> lock(mu_);
  const bool kill = shutting_down_ && std::chrono::steady_clock::now() >= shutdown_kill_at_;
  bool stopped = true;
  pool_.ForEach([&](const std::shared_ptr<Environment>& env) {
    if (!env->sandbox) return;       // AwaitExit releases it once the environment exited
    if (kill) env->sandbox->Kill();  // SIGTERM's grace is over
    stopped = false;
  });
  return stopped;
}

std::string DataPlaneImpl::LimitsNote() const {
  std::string note = sandboxes_->capabilities().Describe();
  if (!networks_.pool) note += "; network: the host's (" + networks_.note + ")";
  return note;
}

asio::awaitable<void> DataPlaneImpl::Reaper() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto idle = std::chrono::seconds(deps_.options.idle_seconds);
  for (;;) {
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(idle, std::chrono::seconds(1)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) co_return;
    auto now = std::chrono::steady_clock::now();
    for (const auto& env : pool_.All()) {
      if (env->state == Environment::State::kIdle && now - env->last_used >= idle) {
        Kill(env, "idle");
      }
    }
  }
}

Result<std::unique_ptr<DataPlane>> MakeDataPlane(DataPlaneDeps deps) {
  if (!deps.registry || !deps.listeners || !deps.db || !deps.clock || deps.loops.empty()) {
    return Status::InvalidArgument("data plane dependencies missing");
  }
  std::string base = deps.options.data_dir + "/lambda";
  std::string runtimes = base + "/runtimes";
  NIMBUS_RETURN_IF_ERROR(WriteIfChanged(runtimes + "/python/bootstrap.py", PythonBootstrapSource()));
  NIMBUS_RETURN_IF_ERROR(WriteIfChanged(runtimes + "/node/bootstrap.js", NodeBootstrapSource()));
  sandbox::SandboxManagerOptions options;
  options.state_dir = base + "/sandbox";
  auto sandboxes = sandbox::SandboxManager::Create(options);
  if (!sandboxes.ok()) return sandboxes.error();
  // A network namespace per environment needs namespaces the sandbox can join: not from inside
  // a user namespace of its own.
  auto networks = MakeEnvironmentNetworks(
      sandbox::HostNetworkNamespaces(),
      (*sandboxes)->capabilities().isolation !=
          sandbox::SandboxCapabilities::Isolation::kUserNamespace,
      deps.options.port, deps.options.outbound, options.state_dir + "/netns");
  if (!networks.ok()) return networks.error();
  auto plane = std::make_unique<DataPlaneImpl>(std::move(deps), std::move(*sandboxes), runtimes,
                                               std::move(*networks));
  NIMBUS_RETURN_IF_ERROR(plane->StartEventQueue());
  return std::unique_ptr<DataPlane>(std::move(plane));
}

}  // namespace nimbus::lambda
