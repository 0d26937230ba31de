// The Invoke operation: RequestResponse, Event and DryRun; payload, client-context and size
// checks as AWS makes them; Tail logs; function errors as 200 + X-Amz-Function-Error.
#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/json_validate.h"
#include "protocol/wire.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/event_queue.h"

namespace nimbus::lambda {

namespace {

constexpr size_t kMaxSyncPayload = 6 * 1024 * 1024;
constexpr size_t kMaxAsyncPayload = 1024 * 1024;
constexpr size_t kMaxClientContext = 3583;
constexpr size_t kTailBytes = 4096;

std::string StringMember(const Value& input, const char* name) {
  auto it = input.find(name);
  return it != input.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string PayloadBytes(const Value& input) {
  auto it = input.find("Payload");
  if (it == input.end()) return {};
  if (it->is_binary()) {
    const auto& bin = it->get_binary();
    return std::string(bin.begin(), bin.end());
  }
  return it->is_string() ? it->get<std::string>() : std::string();
}

AwsError InvalidContent(std::string message) {
  AwsError e("InvalidRequestContentException", std::move(message), 400);
  e.fields = {{"Type", "User"}};
  return e;
}

std::string NewTraceId(const Clock& clock) {
  char time_hex[16];
  std::snprintf(time_hex, sizeof time_hex, "%08llx",
                static_cast<unsigned long long>(clock.NowMillis() / 1000));
  return "Root=1-" + std::string(time_hex) + "-" + RandomHex(24) + ";Parent=" + RandomHex(16) +
         ";Sampled=0;Lineage=1:" + RandomHex(8) + ":0";
}

}  // namespace

boost::asio::awaitable<OpResult> DataPlaneImpl::Invoke(const CallContext& call, Value input) {
  std::string type = StringMember(input, "InvocationType");
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    co_return AwsError("InvalidParameterValueException",
                       "1 validation error detected: Value '" + type +
                           "' at 'invocationType' failed to satisfy constraint: Member must "
                           "satisfy enum value set: [Event, RequestResponse, DryRun]");
  }
  auto resolved = deps_.registry->ResolveInvoke(call.account_id, call.region,
                                                StringMember(input, "FunctionName"),
                                                StringMember(input, "Qualifier"));
  if (!resolved.ok()) co_return resolved.take_error();

  std::string payload = PayloadBytes(input);
  size_t limit = type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
  if (payload.size() > limit) {
    AwsError e("RequestTooLargeException",
               "Request must be smaller than " + std::to_string(limit) +
                   " bytes for the InvokeFunction operation",
               413);
    e.fields = {{"Type", "User"}};
    co_return e;
  }
  if (!payload.empty()) {
    if (!IsValidJson(payload)) {
      co_return InvalidContent(
          "Could not parse request body into json: Could not parse payload into json: "
          "Unexpected character or end-of-input in the payload");
    }
  } else {
    payload = "{}";
  }
  std::string context_b64 = StringMember(input, "ClientContext");
  std::string client_context;
  if (!context_b64.empty()) {
    auto decoded = wire::Base64Decode(context_b64);
    if (context_b64.size() > kMaxClientContext || !decoded ||
        nlohmann::json::parse(*decoded, nullptr, false).is_discarded()) {
      co_return InvalidContent("Client context must be a valid Base64-encoded JSON object.");
    }
    client_context = std::move(*decoded);
  }

  Value out;
  out["ExecutedVersion"] = resolved->executed_version;
  if (type == "DryRun") {
    out["StatusCode"] = 204;
    co_return out;
  }
  if (type == "Event") {
    Status queued = events_->Enqueue(*resolved, payload);
    if (!queued.ok()) co_return AwsError("ServiceException", queued.message(), 500, false);
    out["StatusCode"] = 202;
    co_return out;
  }

  auto inv = std::make_shared<Invocation>();
  inv->request_id = call.request_id;
  inv->fn = resolved->function;
  inv->invoked_arn = resolved->invoked_arn;
  inv->executed_version = resolved->executed_version;
  inv->payload = std::move(payload);
  inv->client_context = std::move(client_context);
  std::string_view trace = call.http ? call.http->headers.Get("X-Amzn-Trace-Id") : "";
  inv->trace_id = trace.empty() ? NewTraceId(*deps_.clock) : std::string(trace);
  inv->tail = StringMember(input, "LogType") == "Tail";
  inv->done = std::make_shared<Waiter>(co_await boost::asio::this_coro::executor);
  auto ran = co_await Run(inv);
  if (!ran.ok()) co_return ran.take_error();

  out["StatusCode"] = 200;
  if (inv->function_error) out["FunctionError"] = "Unhandled";
  if (inv->tail) {
    std::string_view log = inv->log;
    if (log.size() > kTailBytes) log = log.substr(log.size() - kTailBytes);
    out["LogResult"] = wire::Base64Encode(log);
  }
  out["Payload"] = Value::binary(std::vector<uint8_t>(inv->result.begin(), inv->result.end()));
  co_return out;
}

}  // namespace nimbus::lambda
