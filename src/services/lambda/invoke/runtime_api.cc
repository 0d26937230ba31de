// The Lambda Runtime API (2018-06-01) of one execution environment, on its private port:
// invocation/next (long poll), invocation/{id}/response, invocation/{id}/error, init/error.
#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "core/http_body.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/platform_text.h"
#include "services/lambda/invoke/runtime_api_protocol.h"

namespace nimbus::lambda {

namespace {

constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024 + 100;  // 6 MiB + 100, as AWS's emulator

}  // namespace

boost::asio::awaitable<HttpResponse> DataPlaneImpl::ServeRuntimeApi(std::weak_ptr<Environment> weak,
                                                                   HttpRequest& request) {
  std::shared_ptr<Environment> env = weak.lock();
  if (!env) co_return RuntimeApiError(500, "Runtime.Unknown", "execution environment is gone");
  const RuntimeApiRoute route = RouteRuntimeApi(request.method, request.path);
  using Kind = RuntimeApiRoute::Kind;
  // A chunked body comes unread (streamed_result.cc takes a streamed response's as it arrives).
  if (request.body_stream != nullptr && route.kind != Kind::kResponse) {
    if (!co_await std::exchange(request.body_stream, nullptr)->ReadAll(request.body)) {
      co_return HttpResponse{};  // the server answers
    }
  }
  switch (route.kind) {
    case Kind::kNext:
      co_return co_await Next(env);
    case Kind::kWrongMethod:
      co_return RuntimeApiError(405, "InvalidRequest", "use GET");
    case Kind::kInitError:
      co_return PostInitError(*env, request);
    case Kind::kResponse:
      if (request.body_stream != nullptr) {
        co_return co_await PostStreamedResult(env, std::string(route.request_id), request);
      }
      co_return PostResult(*env, route.request_id, false, request);
    case Kind::kError:
      co_return PostResult(*env, route.request_id, true, request);
    case Kind::kUnknown:
      break;
  }
  co_return RuntimeApiError(404, "InvalidRequest", "unknown Runtime API path");
}

boost::asio::awaitable<HttpResponse> DataPlaneImpl::Next(std::shared_ptr<Environment> env) {
  auto executor = co_await boost::asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;  // the one this poll parked on last, if any
  // What the response carries, taken under mu_ and formatted after it.
  std::shared_ptr<Invocation> event;
  std::string payload;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (waiter && env->next_waiter == waiter) env->next_waiter.reset();
      waiter.reset();
      if (env->state == Environment::State::kDead) {
        if (!shutting_down_ || !env->sandbox) {
          HttpResponse r = RuntimeApiError(500, "Runtime.Unknown", "execution environment stopped");
          r.close = true;
          co_return r;
        }
        // Shutting down and the runtime still runs: it has SIGTERM (SIGKILL after the grace).
        // Answer once it exited (AwaitExit wakes this), so it never hears of the shutdown from
        // an error here before the signal reaches it.
        waiter = std::make_shared<Waiter>(executor);
        env->next_waiter = waiter;
      } else {
        if (!env->init_done) {
          env->init_done = true;
          env->init_ms = std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - env->created)
                             .count();
          // Init is over: from now on the function gets its memory's share of a vCPU. A failed
          // write leaves it unthrottled, which costs fidelity, not correctness.
          if (env->sandbox) (void)env->sandbox->EndUnthrottledStart();
        }
        if (env->current && env->delivered && !env->current->finished) {
          co_return RuntimeApiError(403, "InvalidStateTransition",
                                 "State transition from Invoke to Ready is not allowed");
        }
        if (env->current && !env->delivered) {
          Invocation& inv = *env->current;
          env->delivered = true;
          env->state = Environment::State::kBusy;
          inv.delivered_at = std::chrono::steady_clock::now();
          inv.deadline_ms = deps_.clock->NowMillis() + int64_t{inv.fn->timeout_seconds} * 1000;
          AppendLogLocked(
              *env, &inv,
              "START RequestId: " + inv.request_id + " Version: " + inv.executed_version);
          payload = std::move(inv.payload);  // delivered once; nothing reads it after
          event = env->current;
          break;
        }
        if (env->retired) {
          Kill(env, "environment retired");
          continue;
        }
        env->state = Environment::State::kIdle;
        env->last_used = std::chrono::steady_clock::now();
        waiter = std::make_shared<Waiter>(executor);
        env->next_waiter = waiter;
        ScheduleFreezeLocked(*env);
      }
    }
    co_await waiter->Wait();
  }
  // The fields read below are set before delivery and not changed after it.
  const Invocation& inv = *event;
  HttpResponse r;
  r.status = 200;
  r.operation = "Lambda.RuntimeAPI";
  r.headers.Add("Content-Type", "application/json");
  r.headers.Add("Lambda-Runtime-Aws-Request-Id", inv.request_id);
  r.headers.Add("Lambda-Runtime-Deadline-Ms", std::to_string(inv.deadline_ms));
  r.headers.Add("Lambda-Runtime-Invoked-Function-Arn", inv.invoked_arn);
  r.headers.Add("Lambda-Runtime-Trace-Id", inv.trace_id);
  if (!inv.client_context.empty()) {
    r.headers.Add("Lambda-Runtime-Client-Context", inv.client_context);
  }
  if (!inv.cognito_identity.empty()) {
    r.headers.Add("Lambda-Runtime-Cognito-Identity", inv.cognito_identity);
  }
  r.body = std::move(payload);
  co_return r;
}

HttpResponse DataPlaneImpl::PostResult(Environment& env, std::string_view request_id, bool is_error,
                                       HttpRequest& request) {
  // This runs on env's loop (its private listener's): collect output and peak memory before
  // taking mu_, so the lock every loop shares is not held over syscalls.
  EndSample sample = SampleEnd(env);
  std::unique_lock<std::mutex> lock(mu_);
  // What a fork bomb left keeps running (and slows every later invoke): the runtime's next
  // /next retires the environment, and the next invoke gets a fresh one.
  if (sample.pids_limit_hit) env.retired = true;
  for (int which = 0; which < 2; ++which) {  // logged whatever the post turns out to be
    OutputLocked(env, which, sample.output[which]);
    sample.output[which].clear();
  }
  if (!env.current || !env.delivered || env.current->request_id != request_id ||
      env.current->finished) {
    return RuntimeApiError(400, "InvalidRequestID", "Invalid request ID");
  }
  std::shared_ptr<Invocation> inv = env.current;
  if (!is_error && request.body.size() > kMaxResponseBytes) {
    std::string message = "Response payload size (" + std::to_string(request.body.size()) +
                          " bytes) exceeded maximum allowed payload size (" +
                          std::to_string(kMaxResponseBytes) + " bytes).";
    PlatformEndLocked(env, *inv, "", &sample);
    FinishLocked(env, *inv, true, ErrorPayload("Function.ResponseSizeTooLarge", message));
    ShipLogs(env);
    return RuntimeApiError(413, "RequestEntityTooLarge",
                        "Exceeded maximum allowed payload size (" +
                            std::to_string(kMaxResponseBytes) + " bytes).");
  }
  std::string result = is_error ? PostedErrorBody(request) : std::move(request.body);
  PlatformEndLocked(env, *inv, "", &sample);
  FinishLocked(env, *inv, is_error, std::move(result));
  ShipLogs(env);
  lock.unlock();
  return RuntimeApiAccepted();
}

HttpResponse DataPlaneImpl::PostInitError(Environment& env, HttpRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  if (env.init_done) {
    return RuntimeApiError(403, "InvalidStateTransition",
                        "State transition from Ready to InitError is not allowed");
  }
  env.init_error = PostedErrorBody(request);
  auto parsed = nlohmann::json::parse(env.init_error, nullptr, false);
  env.init_error_type = parsed.is_object() && parsed.value("errorType", nlohmann::json()).is_string()
                            ? parsed["errorType"].get<std::string>()
                            : "Runtime.Unknown";
  env.retired = true;  // the runtime exits after reporting; the next invoke starts afresh
  double init_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - env.created)
          .count();
  char buf[160];
  std::snprintf(buf, sizeof buf, "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error",
                init_ms);
  AppendLogLocked(env, env.current.get(), std::string(buf) + "\tError Type: " + env.init_error_type);
  if (env.current && !env.current->finished) {
    Invocation& inv = *env.current;
    AppendLogLocked(env, &inv,
                    "START RequestId: " + inv.request_id + " Version: " + inv.executed_version);
    PlatformEndLocked(env, inv, "error");
    FinishLocked(env, inv, true, env.init_error);
  }
  ShipLogs(env);
  return RuntimeApiAccepted();
}

}  // namespace nimbus::lambda
