// One invocation in flight and the execution environment that runs it. Internal to the data
// plane: every mutable field is guarded by DataPlaneImpl::mu_.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/waiter.h"
#include "protocol/listener.h"
#include "sandbox/netns_pool.h"
#include "sandbox/sandbox.h"
#include "services/lambda/data_plane.h"
#include "services/lambda/function_registry.h"
#include "services/output/line_splitter.h"

namespace nimbus::lambda {

class ResponseChannel;  // response_channel.h

struct Invocation {
  std::string request_id;
  std::shared_ptr<const FunctionSnapshot> fn;
  std::string invoked_arn;
  std::string executed_version;
  std::string payload;
  std::string client_context;    // decoded JSON text, or empty
  std::string cognito_identity;  // JSON text, or empty
  std::string trace_id;
  bool tail = false;             // capture the log for X-Amz-Log-Result
  std::shared_ptr<Waiter> done;  // fired once the outcome is set
  // InvokeWithResponseStream: where a streamed response's bytes go as they arrive (then
  // `result` stays empty); null for Invoke, whose streamed responses are buffered in `result`.
  std::shared_ptr<ResponseChannel> stream;
  // The Content-Type of a response the runtime streams into `stream`, set before its first
  // byte is pushed ("" while none is streamed).
  std::string stream_content_type;

  // Set when delivered to a runtime (the function's deadline is counted from here).
  std::chrono::steady_clock::time_point delivered_at{};
  int64_t deadline_ms = 0;

  // Outcome (valid once done fired).
  bool finished = false;
  bool function_error = false;  // X-Amz-Function-Error: Unhandled
  std::string result;           // response payload, or the error JSON
  std::string log;              // this invocation's log text (when tail)
};

class Environment {
 public:
  enum class State { kStarting, kIdle, kBusy, kDead };

  std::string id;         // 32 hex, also the log stream suffix
  std::string pool_key;   // account/region/function/version
  std::shared_ptr<const FunctionSnapshot> fn;
  std::string executed_version;
  std::string log_stream;
  std::unique_ptr<Listener> listener;  // its Runtime API
  std::unique_ptr<Listener> endpoint;  // its AWS_ENDPOINT_URL, inside its network namespace
  sandbox::PreparedNetwork network;    // its namespace and outbound link (given back at exit)
  std::string credential_key;          // its issued access key id (revoked at exit), or ""
  std::shared_ptr<sandbox::Sandbox> sandbox;  // shared: a thaw in flight holds a reference
  size_t loop = 0;                  // index into DataPlaneDeps::loops: its Runtime API's loop
  boost::asio::any_io_executor io;  // that loop's executor: where its pipes and exit are watched

  State state = State::kStarting;
  std::shared_ptr<Invocation> current;  // assigned invocation (delivered or waiting for /next)
  bool delivered = false;
  std::shared_ptr<Waiter> next_waiter;  // a parked GET /next
  bool init_done = false;
  std::chrono::steady_clock::time_point created{};
  double init_ms = 0;
  bool init_reported = false;     // the REPORT of the first invocation carries Init Duration
  std::string init_error;         // body posted to /runtime/init/error (or empty)
  std::string init_error_type;
  std::chrono::steady_clock::time_point last_used{};
  bool retired = false;           // code/config changed: do not reuse; kill when done
  output::LineSplitter lines[2];  // stdout/stderr text since its last newline
  // Exceptions to "guarded by mu_", for what the end of each invocation samples on this
  // environment's loop without the lock: stdout/stderr read ends while their pumps run (set
  // once by Watch; reset to -1 by the pumps, which then close them, on the environment's loop)
  // and the sandbox (published by Launch; unpublished before AwaitExit, on the environment's
  // loop, frees it).
  std::atomic<int> out_fd[2] = {-1, -1};
  std::atomic<const sandbox::Sandbox*> sandbox_view{nullptr};
  std::vector<LogLine> pending;   // lines not yet shipped to the log sink
};

}  // namespace nimbus::lambda
