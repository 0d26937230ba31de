// The InvokeWithResponseStream operation: the function's response as an event stream
// (application/vnd.amazon.eventstream) of PayloadChunk events, forwarded as the runtime streams
// them (a buffered response is one chunk), and a final InvokeComplete with the function error
// (ErrorCode, ErrorDetails) and the Tail log (LogResult). Errors before the invocation starts
// (validation, unknown function, throttling) are ordinary AWS errors.
#include <deque>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "core/http_body.h"
#include "protocol/event_stream.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/invoke_request.h"
#include "services/lambda/invoke/response_channel.h"

namespace nimbus::lambda {

namespace {

constexpr std::string_view kEventStreamType = "application/vnd.amazon.eventstream";
// Largest PayloadChunk payload; bigger pieces are split (event-stream messages are capped).
constexpr size_t kMaxChunkPayload = 1024 * 1024;

// The InvokeComplete fields for a finished invocation.
StreamOutcome OutcomeOf(const Invocation& inv) {
  StreamOutcome out;
  if (inv.function_error) {
    auto error = nlohmann::json::parse(inv.result, nullptr, false);
    auto text = [&](const char* key) -> std::string {
      if (!error.is_object()) return "";
      auto it = error.find(key);
      return it != error.end() && it->is_string() ? it->get<std::string>() : "";
    };
    out.error_code = text("errorType");
    if (out.error_code.empty()) out.error_code = "Unhandled";
    out.error_details = text("errorMessage");
    if (out.error_details.empty() && !error.is_object()) out.error_details = inv.result;
  }
  if (inv.tail) out.log_result = TailLogResult(inv);
  return out;
}

// The HTTP body: channel pieces as PayloadChunk events, then InvokeComplete.
class EventStreamBody : public HttpResponseStream {
 public:
  explicit EventStreamBody(std::shared_ptr<ResponseChannel> channel)
      : channel_(std::move(channel)) {}
  ~EventStreamBody() override { channel_->Cancel(); }

  boost::asio::awaitable<bool> Next(std::string& piece) override {
    if (done_) co_return false;
    std::deque<std::string> pieces;
    auto outcome = co_await channel_->Next(pieces);
    for (const std::string& p : pieces) {
      std::string_view rest = p;
      while (!rest.empty()) {
        std::string_view part = rest.substr(0, kMaxChunkPayload);
        event_stream::EncodeEvent("PayloadChunk", "application/octet-stream", part, piece);
        rest.remove_prefix(part.size());
      }
    }
    if (outcome) {
      nlohmann::json complete = nlohmann::json::object();
      if (!outcome->error_code.empty()) {
        complete["ErrorCode"] = outcome->error_code;
        complete["ErrorDetails"] = outcome->error_details;
      } else if (outcome->error) {  // cannot happen after bytes; reported all the same
        complete["ErrorCode"] = outcome->error->code;
        complete["ErrorDetails"] = outcome->error->message;
      }
      if (!outcome->log_result.empty()) complete["LogResult"] = outcome->log_result;
      event_stream::EncodeEvent(
          "InvokeComplete", "application/json",
          complete.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), piece);
      done_ = true;
    }
    co_return true;
  }

 private:
  std::shared_ptr<ResponseChannel> channel_;
  bool done_ = false;
};

}  // namespace

boost::asio::awaitable<void> RunIntoChannel(InvocationRunner& runner,
                                            std::shared_ptr<Invocation> inv,
                                            std::shared_ptr<ResponseChannel> channel) {
  auto ran = co_await runner.Run(inv);
  StreamOutcome outcome;
  if (!ran.ok()) {
    outcome.error = ran.take_error();
  } else {
    if (!inv->function_error) channel->Push(inv->result);  // empty when it was streamed
    outcome = OutcomeOf(*inv);
  }
  channel->Complete(std::move(outcome));
}

boost::asio::awaitable<OpResult> DataPlaneImpl::InvokeWithResponseStream(const CallContext& call,
                                                                         Value input) {
  auto request = ParseInvokeRequest(*deps_.registry, call, input, /*streaming=*/true);
  if (!request.ok()) co_return request.take_error();
  Value out;
  out["ExecutedVersion"] = request->target.executed_version;
  if (request->type == "DryRun") {
    out["StatusCode"] = 204;
    co_return out;
  }
  auto executor = co_await boost::asio::this_coro::executor;
  auto inv = MakeInvocation(call, *request, *deps_.clock, executor);
  auto channel = std::make_shared<ResponseChannel>(executor);
  inv->stream = channel;
  boost::asio::co_spawn(executor, RunIntoChannel(*this, inv, channel), boost::asio::detached);
  // The head goes out with the first bytes, or the outcome: an invocation that could not
  // start is an ordinary error response.
  co_await channel->WaitStarted();
  if (auto early = channel->OutcomeBeforeBytes(); early && early->error) {
    co_return std::move(*early->error);
  }
  out["StatusCode"] = 200;
  out["ResponseStreamContentType"] = std::string(kEventStreamType);
  call.response_stream = std::make_shared<EventStreamBody>(std::move(channel));
  co_return out;
}

}  // namespace nimbus::lambda
