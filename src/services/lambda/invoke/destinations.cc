#include "services/lambda/invoke/destinations.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include <boost/asio/this_coro.hpp>

#include "core/waiter.h"
#include "services/lambda/invoke/event_queue.h"
#include "services/lambda/invoke/platform_text.h"

namespace nimbus::lambda {

namespace {

nlohmann::json Embedded(const std::string& text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

// The ARN's service ("lambda", "sqs", ...) or "" when it is not an ARN.
std::string ArnService(const std::string& arn) {
  if (!arn.starts_with("arn:")) return "";
  size_t partition_end = arn.find(':', 4);
  if (partition_end == std::string::npos) return "";
  size_t service_end = arn.find(':', partition_end + 1);
  if (service_end == std::string::npos) return "";
  return arn.substr(partition_end + 1, service_end - partition_end - 1);
}

// Reports once per process that nimbus cannot deliver to EventBridge (or another service).
void ReportUnavailable(const std::string& service, const std::string& destination) {
  static std::atomic<bool> events{false}, other{false};
  std::atomic<bool>& seen = service == "events" ? events : other;
  if (seen.exchange(true)) return;
  std::fprintf(stderr,
               "nimbus: lambda destination %s dropped: delivery to %s is not available in "
               "nimbus yet (reported once)\n",
               destination.c_str(), service.empty() ? "this target" : service.c_str());
}

void ReportDropped(const std::string& destination, const std::string& why) {
  std::fprintf(stderr, "nimbus: lambda destination %s dropped: %s\n", destination.c_str(),
               why.c_str());
}

// Sends `body` with `attributes` to the SQS queue or SNS topic `target`; false (and a stderr
// line) when it cannot. Other services: false without a line.
// An SQS send is awaited (the loop runs on meanwhile); an SNS publish is written at once, as a
// Publish handler does.
boost::asio::awaitable<bool> SendToQueueOrTopic(
    DestinationLinks links, std::string target, std::string body,
    std::map<std::string, std::pair<std::string, std::string>> attrs) {
  std::string service = ArnService(target);
  if (service == "sqs") {
    if (!links.sqs) {
      ReportDropped(target, "SQS is not running");
      co_return true;
    }
    sqs::OutgoingMessage m;
    m.body = std::move(body);
    for (const auto& [name, typed] : attrs) {
      m.attributes[name] = sqs::MessageAttribute{typed.first, typed.second, ""};
    }
    auto waiter = std::make_shared<Waiter>(co_await boost::asio::this_coro::executor);
    auto error = std::make_shared<std::string>();
    links.sqs->SendAsync(target, std::move(m), [waiter, error](Result<sqs::SentMessage> sent) {
      if (!sent.ok()) *error = sent.error().ToString();
      waiter->Notify();
    });
    co_await waiter->Wait();
    if (!error->empty()) ReportDropped(target, *error);
    co_return true;
  }
  if (service == "sns") {
    auto publisher = links.sns ? links.sns->Get() : nullptr;
    if (!publisher) {
      ReportDropped(target, "SNS is not running");
      co_return true;
    }
    sns::TopicMessage m;
    m.message = body;
    for (const auto& [name, typed] : attrs) {
      m.attributes[name] = sns::PublishAttribute{typed.first, typed.second};
    }
    auto published = publisher->Publish(target, m);
    if (!published.ok()) ReportDropped(target, published.error().ToString());
    co_return true;
  }
  co_return false;
}

}  // namespace

std::string InvocationRecord(const InvocationRecordInput& in) {
  nlohmann::json record = {
      {"version", "1.0"},
      {"timestamp", FormatLogTimestamp(std::chrono::system_clock::time_point(
                        std::chrono::milliseconds(in.timestamp_ms)))},
      {"requestContext",
       {{"requestId", in.request_id},
        {"functionArn", in.function_arn},
        {"condition", in.condition},
        {"approximateInvokeCount", in.approximate_invoke_count}}},
      {"requestPayload", Embedded(in.request_payload)},
  };
  if (in.has_response) {
    nlohmann::json response = {{"statusCode", 200}, {"executedVersion", in.executed_version}};
    if (in.function_error) response["functionError"] = "Unhandled";
    record["responseContext"] = std::move(response);
    record["responsePayload"] = Embedded(in.response_payload);
  }
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

boost::asio::awaitable<void> DeliverToDestination(FunctionRegistry& registry, EventQueue& queue,
                                                  DestinationLinks links, std::string account_id,
                                                  std::string region, std::string destination,
                                                  std::string record) {
  if (destination.empty()) co_return;
  std::string service = ArnService(destination);
  if (service != "lambda") {
    if (!co_await SendToQueueOrTopic(links, destination, std::move(record), {})) {
      ReportUnavailable(service, destination);
    }
    co_return;
  }
  auto target = registry.ResolveInvoke(account_id, region, destination, "");
  if (!target.ok()) {
    ReportDropped(destination, target.error().message);
    co_return;
  }
  Status queued = queue.Enqueue(*target, record);
  if (!queued.ok()) ReportDropped(destination, queued.ToString());
}

boost::asio::awaitable<void> DeliverToDeadLetter(DestinationLinks links, std::string target_arn,
                                                 std::string payload, DeadLetterInput in) {
  if (target_arn.empty()) co_return;
  std::map<std::string, std::pair<std::string, std::string>> attrs = {
      {"RequestID", {"String", in.request_id}},
      {"ErrorCode", {"Number", in.error_code}},
      {"ErrorMessage", {"String", in.error_message.substr(0, 1024)}}};
  if (!co_await SendToQueueOrTopic(links, target_arn, std::move(payload), std::move(attrs))) {
    ReportDropped(target_arn, "a dead-letter target must be an SQS queue or SNS topic");
  }
}

std::string ErrorMessageOf(const std::string& result) {
  auto parsed = nlohmann::json::parse(result, nullptr, false);
  if (parsed.is_object()) {
    auto m = parsed.find("errorMessage");
    if (m != parsed.end() && m->is_string()) return m->get<std::string>();
  }
  return result;
}

}  // namespace nimbus::lambda
