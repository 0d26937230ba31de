// The Lambda data plane: schedules invocations onto execution environments (warm reuse,
// scale-out, reserved and account concurrency), serves each environment's Runtime API inside
// its network namespace (environment_network.h; a private port where there are none), watches
// environments (exit, OOM, timeouts, idle reaping), ships logs, and runs the durable Event queue.
// One mutex (mu_) guards all scheduling state; sandboxes are launched outside it. Internal to
// invoke/.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/aws_error.h"
#include "core/http.h"
#include "sandbox/sandbox.h"
#include "services/lambda/data_plane.h"
#include "services/lambda/invoke/environment_network.h"
#include "services/lambda/invoke/environment_pool.h"
#include "services/lambda/invoke/image_prep.h"
#include "services/lambda/invoke/invocation.h"
#include "services/lambda/invoke/invocation_runner.h"
#include "services/lambda/invoke/url_server.h"
#include "services/output/log_shipper.h"

namespace nimbus::lambda {

class EventQueue;

class DataPlaneImpl : public DataPlane, public InvocationRunner {
 public:
  // Without a pool in `networks`, environments share the host's network.
  DataPlaneImpl(DataPlaneDeps deps, std::unique_ptr<sandbox::SandboxManager> sandboxes,
                std::string runtimes_dir, EnvironmentNetworks networks);
  ~DataPlaneImpl() override;

  void RegisterOperations(OperationTable& table) override;
  // Function URLs (url_server.h).
  void RegisterRoutes(RouteTable& routes) override;
  void Shutdown() override;
  bool Stopped() override;
  std::string LimitsNote() const override;
  Status EnqueueEvent(const ResolvedInvoke& target, const std::string& payload) override;
  // sync_invoke.cc.
  boost::asio::awaitable<Result<SyncInvokeOutcome, AwsError>> InvokeSync(
      const ResolvedInvoke& target, std::string payload) override;
  Status StartEventQueue();

  // InvocationRunner (scheduler.cc).
  boost::asio::awaitable<Result<bool, AwsError>> Run(std::shared_ptr<Invocation> inv) override;

  // The Invoke operation.
  boost::asio::awaitable<OpResult> Invoke(const CallContext& call, Value input);
  // The InvokeWithResponseStream operation (stream_op.cc).
  boost::asio::awaitable<OpResult> InvokeWithResponseStream(const CallContext& call, Value input);
  const DataPlaneDeps& deps() const { return deps_; }

 private:
  // Scheduling (scheduler.cc).
  // Picks (or creates, `fresh`) the environment for `inv` (pool_), preferring one served on
  // event loop `loop` (the caller's), wakes its parked /next and thaws it if it was frozen,
  // both after mu_ is released. Caller must not hold mu_.
  Result<std::shared_ptr<Environment>, AwsError> Assign(const std::shared_ptr<Invocation>& inv,
                                                        size_t loop, bool& fresh);
  // Index in deps_.loops of the loop running `executor` (round robin when it is none of them).
  size_t LoopOf(const boost::asio::any_io_executor& executor) const;
  // Starts `env`'s sandbox: a container image function's from `image` (its plan, ImagePrep),
  // others' from their code (image null). On the caller's loop; blocking (clone, mounts).
  Status Launch(const std::shared_ptr<Environment>& env, ImageLaunch* image);
  void Retire(const std::string& account, const std::string& region, const std::string& name);
  void Kill(const std::shared_ptr<Environment>& env, const std::string& why);
  void FinishLocked(Environment& env, Invocation& inv, bool function_error, std::string result);
  boost::asio::awaitable<void> Reaper();

  // Runtime API (runtime_api.cc).
  boost::asio::awaitable<HttpResponse> ServeRuntimeApi(std::weak_ptr<Environment> env,
                                                      HttpRequest& request);
  boost::asio::awaitable<HttpResponse> Next(std::shared_ptr<Environment> env);
  HttpResponse PostResult(Environment& env, std::string_view request_id, bool is_error,
                          HttpRequest& request);
  HttpResponse PostInitError(Environment& env, HttpRequest& request);
  // A chunked POST .../response (request.body_stream set): a streamed response is forwarded
  // as it arrives, error trailers included (streamed_result.cc); any other is read whole.
  boost::asio::awaitable<HttpResponse> PostStreamedResult(std::shared_ptr<Environment> env,
                                                          std::string request_id,
                                                          HttpRequest& request);

  // Freezing (freeze.cc): as Lambda freezes an environment between invokes, one idle for
  // kFreezeAfter is frozen (its background work stops) and thawed when an invoke is assigned.
  // Schedules the freeze of `env`, just parked in /next. Caller holds mu_, on env's loop.
  void ScheduleFreezeLocked(const Environment& env);
  // Arms loop `loop`'s freeze timer for `at` unless it is armed. Caller holds mu_.
  void ArmFreezeLocked(size_t loop, std::chrono::steady_clock::time_point at);
  // Freezes loop `loop`'s environments idle for kFreezeAfter (EnvironmentPool::DueForFreeze)
  // and re-arms for the others. On that loop.
  void FreezeIdle(size_t loop);

  // Watching (watch.cc): pipes to logs, process exit.
  void Watch(const std::shared_ptr<Environment>& env);
  boost::asio::awaitable<void> PumpOutput(std::shared_ptr<Environment> env, int fd, int which);
  boost::asio::awaitable<void> AwaitExit(std::shared_ptr<Environment> env);
  void AppendLogLocked(Environment& env, Invocation* inv, std::string line);
  void OutputLocked(Environment& env, int which, std::string_view data);
  // Logs what stdout (0) or stderr (1) wrote after its last newline, if anything, as a line.
  void FlushPartialLocked(Environment& env, int which);
  void DrainPipesLocked(Environment& env);
  void ShipLogs(Environment& env);
  // What an invocation's END needs from the kernel: output the function wrote before it
  // posted its result (not yet pumped), the environment's peak memory and whether it hit its
  // pids limit.
  struct EndSample {
    std::string output[2];  // stdout, stderr
    int max_used_mb = 0;
    bool pids_limit_hit = false;  // a fork bomb went off: retire the environment
  };
  // Collects an EndSample without mu_ (no lock, no syscalls under it). Call on env's loop
  // thread (where its output pumps run and its sandbox is freed).
  EndSample SampleEnd(Environment& env);
  // END and REPORT lines for `inv` (status "timeout" etc. or empty). Without `sample`, drains
  // the pipes and reads the peak memory itself, under mu_.
  void PlatformEndLocked(Environment& env, Invocation& inv, std::string_view status,
                         EndSample* sample = nullptr);

  DataPlaneDeps deps_;
  std::unique_ptr<sandbox::SandboxManager> sandboxes_;
  std::string runtimes_dir_;
  EnvironmentNetworks networks_;  // the pool first: environments' networks come from it
  std::unique_ptr<ImagePrep> image_prep_;  // null without an image registry
  std::unique_ptr<EventQueue> events_;
  FunctionUrlServer urls_;
  output::LogShipper shipper_;

  std::mutex mu_;
  bool shutting_down_ = false;
  // Shutdown phase as on Lambda: SIGTERM, then SIGKILL once kShutdownGrace has passed (by
  // Stopped(), which the server polls; or by the destructor if the loops stopped first).
  static constexpr std::chrono::seconds kShutdownGrace{2};
  std::chrono::steady_clock::time_point shutdown_kill_at_{};
  EnvironmentPool pool_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> freeze_timers_;  // one per loop
  std::vector<bool> freeze_armed_;                                         // per loop
  mutable std::atomic<size_t> next_loop_{0};
};

}  // namespace nimbus::lambda
