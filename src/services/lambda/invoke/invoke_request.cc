#include "services/lambda/invoke/invoke_request.h"

#include "core/ids.h"
#include "core/json_parse.h"
#include "core/json_validate.h"
#include "protocol/wire.h"

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
    return std::string(BlobBytes(*it));
  }
  return it->is_string() ? it->get<std::string>() : std::string();
}

AwsError InvalidContent(std::string message) {
  AwsError e("InvalidRequestContentException", std::move(message), 400);
  e.fields = {{"Type", "User"}};
  return e;
}

// Appends the low `digits` hex digits of `v`, most significant first.
void AppendHex(std::string& out, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(v >> (4 * i)) & 15]);
}

}  // namespace

// An X-Ray trace header as Lambda passes one:
// "Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0;Lineage=1:<8 hex>:0".
std::string NewTraceId(const Clock& clock) {
  RandomSource& random = SystemRandom();
  std::string id;
  id.reserve(96);
  id += "Root=1-";
  AppendHex(id, static_cast<uint64_t>(clock.NowMillis() / 1000), 8);
  id += '-';
  AppendHex(id, random.Next(), 16);
  AppendHex(id, random.Next(), 8);
  id += ";Parent=";
  AppendHex(id, random.Next(), 16);
  id += ";Sampled=0;Lineage=1:";
  AppendHex(id, random.Next(), 8);
  id += ":0";
  return id;
}

Result<InvokeRequest, AwsError> ParseInvokeRequest(FunctionRegistry& registry,
                                                   const CallContext& call, const Value& input,
                                                   bool streaming) {
  InvokeRequest r;
  r.type = StringMember(input, "InvocationType");
  if (r.type.empty()) r.type = "RequestResponse";
  if (r.type != "RequestResponse" && r.type != "DryRun" && (streaming || r.type != "Event")) {
    return AwsError(
        "InvalidParameterValueException",
        "1 validation error detected: Value '" + r.type +
            "' at 'invocationType' failed to satisfy constraint: Member must "
            "satisfy enum value set: " +
            (streaming ? "[RequestResponse, DryRun]" : "[Event, RequestResponse, DryRun]"));
  }
  auto resolved =
      registry.ResolveInvoke(call.account_id, call.region, StringMember(input, "FunctionName"),
                             StringMember(input, "Qualifier"));
  if (!resolved.ok()) return resolved.take_error();
  r.target = std::move(*resolved);

  r.payload = PayloadBytes(input);
  size_t limit = r.type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
  if (r.payload.size() > limit) {
    // AWS sends RequestEntityTooLargeException on the wire (botocore's model calls the shape
    // RequestTooLargeException), with one message for synchronous calls and one for Event.
    std::string message =
        r.type == "Event"
            ? std::to_string(r.payload.size()) +
                  " byte payload is too large for the Event invocation type (limit " +
                  std::to_string(limit) + " bytes)"
            : "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                  (streaming ? "InvokeWithResponseStream" : "InvokeFunction") + " operation";
    AwsError e("RequestEntityTooLargeException", std::move(message), 413);
    e.fields = {{"Type", "User"}};
    return e;
  }
  if (!r.payload.empty()) {
    if (!IsValidJson(r.payload)) {
      return InvalidContent(
          "Could not parse request body into json: Could not parse payload into json: "
          "Unexpected character or end-of-input in the payload");
    }
  } else {
    r.payload = "{}";
  }
  std::string context_b64 = StringMember(input, "ClientContext");
  if (!context_b64.empty()) {
    auto decoded = wire::Base64Decode(context_b64);
    if (context_b64.size() > kMaxClientContext || !decoded || ParseJson(*decoded).is_discarded()) {
      return InvalidContent("Client context must be a valid Base64-encoded JSON object.");
    }
    r.client_context = std::move(*decoded);
  }
  r.tail = StringMember(input, "LogType") == "Tail";
  return r;
}

std::shared_ptr<Invocation> MakeInvocation(const ResolvedInvoke& target, std::string request_id,
                                           std::string payload, std::string trace_id,
                                           boost::asio::any_io_executor executor) {
  auto inv = std::make_shared<Invocation>();
  inv->request_id = std::move(request_id);
  inv->fn = target.function;
  inv->invoked_arn = target.invoked_arn;
  inv->executed_version = target.executed_version;
  inv->payload = std::move(payload);
  inv->trace_id = std::move(trace_id);
  inv->done = std::make_shared<Waiter>(std::move(executor));
  return inv;
}

std::shared_ptr<Invocation> MakeInvocation(const CallContext& call, InvokeRequest& request,
                                           const Clock& clock,
                                           boost::asio::any_io_executor executor) {
  std::string_view trace = call.http ? call.http->headers.Get("X-Amzn-Trace-Id") : "";
  auto inv =
      MakeInvocation(request.target, call.request_id, std::move(request.payload),
                     trace.empty() ? NewTraceId(clock) : std::string(trace), std::move(executor));
  inv->client_context = std::move(request.client_context);
  inv->tail = request.tail;
  return inv;
}

std::string TailLogResult(const Invocation& inv) {
  std::string_view log = inv.log;
  if (log.size() > kTailBytes) log = log.substr(log.size() - kTailBytes);
  return wire::Base64Encode(log);
}

}  // namespace nimbus::lambda
