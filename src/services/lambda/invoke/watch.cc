// Watching execution environments: their stdout/stderr become log lines, their exit (crash,
// OOM kill, init failure) finishes the invocation they were running with Lambda's error.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/platform_text.h"
#include "services/output/fd_pump.h"

namespace nimbus::lambda {

namespace asio = boost::asio;

void DataPlaneImpl::AppendLogLocked(Environment& env, Invocation* inv, std::string line) {
  if (inv == nullptr && env.current && env.delivered) inv = env.current.get();
  if (inv != nullptr && inv->tail) {
    inv->log += line;
    inv->log += '\n';
    if (inv->log.size() > 64 * 1024) inv->log.erase(0, inv->log.size() - 8 * 1024);
  }
  env.pending.push_back(LogLine{deps_.clock->NowMillis(), std::move(line)});
}

void DataPlaneImpl::OutputLocked(Environment& env, int which, std::string_view data) {
  // Lines over 256 KiB go in pieces, as Lambda does.
  env.lines[which].Feed(data,
                        [&](std::string line) { AppendLogLocked(env, nullptr, std::move(line)); });
}

void DataPlaneImpl::FlushPartialLocked(Environment& env, int which) {
  env.lines[which].Flush([&](std::string line) { AppendLogLocked(env, nullptr, std::move(line)); });
}

namespace {

// Max Memory Used as Lambda reports it: the environment's peak counting what its processes
// map, rounded up to whole MB, never 0. The cgroup's peak alone under-reports: pages already in
// the host's page cache (the binary, its libraries) are charged to whoever read them first, so
// a C++ hello showed 0 MB; its processes' resident memory counts them.
int PeakMb(const sandbox::Sandbox* box) {
  uint64_t bytes = 0;
  if (box != nullptr) {
    auto peak = box->MaxMemoryUsedBytes();
    auto resident = box->ResidentBytes();
    bytes = std::max(peak.ok() ? *peak : 0, resident.ok() ? *resident : 0);
  }
  constexpr uint64_t kMb = 1024 * 1024;
  return static_cast<int>(std::max<uint64_t>(1, (bytes + kMb - 1) / kMb));
}

}  // namespace

void DataPlaneImpl::DrainPipesLocked(Environment& env) {
  for (int which = 0; which < 2; ++which) {
    output::DrainFd(env.out_fd[which],
                    [&](std::string_view data) { OutputLocked(env, which, data); });
  }
}

DataPlaneImpl::EndSample DataPlaneImpl::SampleEnd(Environment& env) {
  // The pipes are closed and the sandbox freed only on this (env's loop) thread, so what these
  // say stays true until this returns. Most invocations print nothing: one poll() asks both
  // pipes instead of a read() each.
  const int fds[2] = {env.out_fd[0].load(), env.out_fd[1].load()};
  const sandbox::Sandbox* box = env.sandbox_view.load(std::memory_order_acquire);
  EndSample sample;
  pollfd ready[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
  if (::poll(ready, 2, 0) > 0) {
    for (int which = 0; which < 2; ++which) {
      if (ready[which].revents == 0) continue;
      output::DrainFd(fds[which],
                      [&](std::string_view data) { sample.output[which].append(data); });
    }
  }
  sample.max_used_mb = PeakMb(box);
  sample.pids_limit_hit = box != nullptr && box->HitPidsLimit();
  return sample;
}

void DataPlaneImpl::ShipLogs(Environment& env) {
  if (env.pending.empty()) return;
  shipper_.Ship(Scope{env.fn->account_id, env.fn->region}, env.fn->log_group, env.log_stream,
                std::move(env.pending));
  env.pending.clear();
}

void DataPlaneImpl::PlatformEndLocked(Environment& env, Invocation& inv, std::string_view status,
                                      EndSample* sample) {
  if (sample != nullptr) {
    for (int which = 0; which < 2; ++which) {
      if (!sample->output[which].empty()) OutputLocked(env, which, sample->output[which]);
    }
  } else {
    DrainPipesLocked(env);
  }
  auto now = std::chrono::steady_clock::now();
  double duration_ms =
      inv.delivered_at == std::chrono::steady_clock::time_point{}
          ? 0.0
          : std::chrono::duration<double, std::milli>(now - inv.delivered_at).count();
  int max_used_mb = sample != nullptr ? sample->max_used_mb : PeakMb(env.sandbox.get());
  std::optional<double> init;
  if (!env.init_reported && env.init_done) {
    init = env.init_ms;
    env.init_reported = true;
  }
  AppendLogLocked(env, &inv, "END RequestId: " + inv.request_id);
  AppendLogLocked(env, &inv,
                  ReportLine(inv.request_id, duration_ms, inv.fn->memory_mb, max_used_mb, init,
                             status));
}

void DataPlaneImpl::Watch(const std::shared_ptr<Environment>& env) {
  int out = env->sandbox->TakeStdout().release();
  int err = env->sandbox->TakeStderr().release();
  {
    std::lock_guard<std::mutex> lock(mu_);
    env->out_fd[0] = out;
    env->out_fd[1] = err;
  }
  if (out >= 0) asio::co_spawn(env->io, PumpOutput(env, out, 0), asio::detached);
  if (err >= 0) asio::co_spawn(env->io, PumpOutput(env, err, 1), asio::detached);
  asio::co_spawn(env->io, AwaitExit(env), asio::detached);
}

asio::awaitable<void> DataPlaneImpl::PumpOutput(std::shared_ptr<Environment> env, int fd,
                                                int which) {
  co_await output::PumpFd(
      env->io, fd,
      [&](std::string_view data) {
        std::lock_guard<std::mutex> lock(mu_);
        OutputLocked(*env, which, data);
        if (!env->current) ShipLogs(*env);  // output between invocations (init, background)
      },
      [&] {
        std::lock_guard<std::mutex> lock(mu_);
        FlushPartialLocked(*env, which);
        env->out_fd[which] = -1;
        ShipLogs(*env);
      });
}

asio::awaitable<void> DataPlaneImpl::AwaitExit(std::shared_ptr<Environment> env) {
  // Wait for the environment's init to exit without ever blocking the event loop or holding
  // mu_: the pidfd turns readable on exit; should waiting on it fail, poll the exit instead.
  // Only this coroutine reaps the sandbox (TryWait), so calling it without mu_ is safe.
  std::optional<asio::posix::stream_descriptor> exit;
  int pidfd = ::fcntl(env->sandbox->exit_fd(), F_DUPFD_CLOEXEC, 0);
  if (pidfd >= 0) exit.emplace(env->io, pidfd);
  asio::steady_timer poll(env->io);
  sandbox::ExitStatus status;
  for (;;) {
    if (auto s = env->sandbox->TryWait()) {
      status = *s;
      break;
    }
    boost::system::error_code ec;
    if (exit) {
      co_await exit->async_wait(asio::posix::stream_descriptor::wait_read,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!exit || ec) {
      exit.reset();
      poll.expires_after(std::chrono::milliseconds(20));
      co_await poll.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  std::shared_ptr<sandbox::Sandbox> box;  // the last reference, unless a thaw holds one
  std::unique_ptr<Listener> listener, endpoint;
  sandbox::PreparedNetwork network;
  std::string credential_key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<Invocation> inv = env->current;
    if (inv && !inv->finished) {
      DrainPipesLocked(*env);
      std::string type, message;
      if (!env->init_error.empty()) {
        PlatformEndLocked(*env, *inv, "error");
        FinishLocked(*env, *inv, true, env->init_error);
      } else {
        type = env->sandbox->WasOomKilled() ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        message = "RequestId: " + inv->request_id +
                  " Error: Runtime exited with error: " + status.Describe();
        if (inv->delivered_at == std::chrono::steady_clock::time_point{}) {
          AppendLogLocked(*env, inv.get(), "START RequestId: " + inv->request_id +
                                               " Version: " + inv->executed_version);
        }
        AppendLogLocked(*env, inv.get(), message);
        AppendLogLocked(*env, inv.get(), type);
        PlatformEndLocked(*env, *inv, "error");
        FinishLocked(*env, *inv, true, ErrorPayload(type, message));
      }
    }
    if (env->state != Environment::State::kDead) {
      env->state = Environment::State::kDead;
      pool_.Remove(env);
    }
    if (env->next_waiter) env->next_waiter->Notify();
    // Every process of the environment is gone, so its pipes hold all it will ever write
    // (a runtime's last words after SIGTERM, say). Take it now: on shutdown the server may stop
    // before PumpOutput reads it.
    DrainPipesLocked(*env);
    FlushPartialLocked(*env, 0);
    FlushPartialLocked(*env, 1);
    ShipLogs(*env);
    env->sandbox_view.store(nullptr, std::memory_order_release);
    box = std::move(env->sandbox);
    listener = std::move(env->listener);
    endpoint = std::move(env->endpoint);
    network = std::move(env->network);
    credential_key = std::move(env->credential_key);
  }
  if (deps_.credentials != nullptr && !credential_key.empty()) {
    deps_.credentials->Revoke(credential_key);
  }
  // Cgroup removal and listener close happen outside the lock; the network namespace's
  // descriptor and outbound link go to the pool's thread (stopping pasta blocks). The namespace
  // itself goes once its processes and these sockets are gone, in the kernel's own time (it
  // cleans namespaces up in a work queue).
  if (networks_.pool) networks_.pool->Release(std::move(network));
}

}  // namespace nimbus::lambda
