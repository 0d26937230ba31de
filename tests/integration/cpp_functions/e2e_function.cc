// One C++ Lambda function for test_cpp_runtime.py; the handler string (_HANDLER, passed by
// bootstrap as argv[1]) picks the behaviour:
//   echo          {"count","pid","request_id","function_arn","trace_id","trace_env",
//                  "remaining_ms","log_stream","bytes"}; sleeps "sleep_ms" first if the event
//                  has that member (lets concurrent invokes overlap)
//   fail          InvocationResponse::failure(..., "Test.Failure")
//   throw         throws std::runtime_error (the runtime turns it into an error response)
//   init-error    report_init_error("Test.InitError", ...) before the loop
//   exit-in-init  exits with status 3 before the loop
//   big-response  answers exactly "bytes" bytes: a JSON string "xxx…"
//   big-request   {"bytes": event size, "fnv1a": 64-bit FNV-1a of the event, in hex}
//   stream        response streaming: "chunks" chunks "chunk-<i>\n" through ResponseWriter
//   stream-fail   response streaming: fails before the first byte
//   sigterm       like echo; after the loop ends on SIGTERM prints "e2e: shutdown after SIGTERM"
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "mini_json.h"
#include "nimbus/lambda/runtime.h"

namespace lambda = nimbus::lambda;

namespace {

long invocations = 0;  // per execution environment

// Integer member of a flat JSON object (numbers only), or `fallback`.
long IntMember(std::string_view payload, std::string_view name, long fallback) {
  std::string key = "\"" + std::string(name) + "\"";
  size_t at = payload.find(key);
  if (at == std::string_view::npos) return fallback;
  at = payload.find(':', at + key.size());
  if (at == std::string_view::npos) return fallback;
  std::string rest(payload.substr(at + 1, 32));
  char* end = nullptr;
  long value = std::strtol(rest.c_str(), &end, 10);
  return end == rest.c_str() ? fallback : value;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

void AddString(std::string& out, std::string_view name, std::string_view value) {
  if (out.size() > 1) out += ',';
  mini_json::append_string(out, name);
  out += ':';
  mini_json::append_string(out, value);
}

void AddNumber(std::string& out, std::string_view name, long long value) {
  if (out.size() > 1) out += ',';
  mini_json::append_string(out, name);
  out += ':' + std::to_string(value);
}

lambda::InvocationResponse Echo(const lambda::InvocationRequest& req) {
  ++invocations;
  long sleep_ms = IntMember(req.payload, "sleep_ms", 0);
  if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  std::string out = "{";
  AddNumber(out, "count", invocations);
  AddNumber(out, "pid", ::getpid());
  AddString(out, "request_id", req.request_id);
  AddString(out, "function_arn", req.function_arn);
  AddString(out, "trace_id", req.trace_id);
  AddString(out, "trace_env", Env("_X_AMZN_TRACE_ID"));
  AddNumber(out, "remaining_ms", req.time_remaining().count());
  AddString(out, "log_stream", Env("AWS_LAMBDA_LOG_STREAM_NAME"));
  AddNumber(out, "bytes", static_cast<long long>(req.payload.size()));
  out += '}';
  return lambda::InvocationResponse::success(std::move(out));
}

lambda::InvocationResponse BigResponse(const lambda::InvocationRequest& req) {
  long bytes = IntMember(req.payload, "bytes", 2);
  if (bytes < 2) bytes = 2;
  std::string out(static_cast<size_t>(bytes), 'x');
  out.front() = '"';
  out.back() = '"';
  return lambda::InvocationResponse::success(std::move(out));
}

lambda::InvocationResponse BigRequest(const lambda::InvocationRequest& req) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : req.payload) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  std::string out = "{";
  AddNumber(out, "bytes", static_cast<long long>(req.payload.size()));
  AddString(out, "fnv1a", hex);
  out += '}';
  return lambda::InvocationResponse::success(std::move(out));
}

void Stream(const lambda::InvocationRequest& req, lambda::ResponseWriter& writer) {
  writer.set_content_type("text/plain");
  long chunks = IntMember(req.payload, "chunks", 3);
  for (long i = 0; i < chunks; ++i) {
    if (!writer.write("chunk-" + std::to_string(i) + "\n").ok()) return;
  }
}

void StreamFail(const lambda::InvocationRequest&, lambda::ResponseWriter& writer) {
  (void)writer.fail("Test.StreamFailure", "failed before the first byte");
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view handler = argc > 1 ? argv[1] : "echo";
  std::fprintf(stderr, "e2e: init with handler %.*s\n", static_cast<int>(handler.size()),
               handler.data());
  if (handler == "echo") return lambda::run_handler(Echo);
  if (handler == "fail") {
    return lambda::run_handler([](const lambda::InvocationRequest& req) {
      return lambda::InvocationResponse::failure("deliberate failure for " + req.payload,
                                                 "Test.Failure");
    });
  }
  if (handler == "throw") {
    return lambda::run_handler([](const lambda::InvocationRequest&) -> lambda::InvocationResponse {
      throw std::runtime_error("thrown from the handler");
    });
  }
  if (handler == "init-error") {
    return lambda::report_init_error("Test.InitError", "init failed on purpose");
  }
  if (handler == "exit-in-init") {
    std::fprintf(stderr, "e2e: exiting during init\n");
    return 3;
  }
  if (handler == "big-response") return lambda::run_handler(BigResponse);
  if (handler == "big-request") return lambda::run_handler(BigRequest);
  if (handler == "stream") return lambda::run_streaming_handler(Stream);
  if (handler == "stream-fail") return lambda::run_streaming_handler(StreamFail);
  if (handler == "sigterm") {
    int code = lambda::run_handler(Echo);
    if (lambda::shutdown_requested()) std::fprintf(stderr, "e2e: shutdown after SIGTERM\n");
    return code;
  }
  return lambda::report_init_error("Test.UnknownHandler",
                                   "unknown handler " + std::string(handler));
}
