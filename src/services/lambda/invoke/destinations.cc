#include "services/lambda/invoke/destinations.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

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
bool SendToQueueOrTopic(const DestinationLinks& links, const std::string& target,
                        const std::string& body,
                        const std::map<std::string, std::pair<std::string, std::string>>& attrs) {
  std::string service = ArnService(target);
  if (service == "sqs") {
    if (!links.sqs) {
      ReportDropped(target, "SQS is not running");
      return true;
    }
    sqs::OutgoingMessage m;
    m.body = body;
    for (const auto& [name, typed] : attrs) {
      m.attributes[name] = sqs::MessageAttribute{typed.first, typed.second, ""};
    }
    auto sent = links.sqs->Send(target, std::move(m));
    if (!sent.ok()) ReportDropped(target, sent.error().ToString());
    return true;
  }
  if (service == "sns") {
    auto publisher = links.sns ? links.sns->Get() : nullptr;
    if (!publisher) {
      ReportDropped(target, "SNS is not running");
      return true;
    }
    sns::TopicMessage m;
    m.message = body;
    for (const auto& [name, typed] : attrs) {
      m.attributes[name] = sns::PublishAttribute{typed.first, typed.second};
    }
    auto published = publisher->Publish(target, m);
    if (!published.ok()) ReportDropped(target, published.error().ToString());
    return true;
  }
  return false;
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

void DeliverToDestination(FunctionRegistry& registry, EventQueue& queue,
                          const DestinationLinks& links, const std::string& account_id,
                          const std::string& region, const std::string& destination,
                          const std::string& record) {
  std::string service = ArnService(destination);
  if (service != "lambda") {
    if (!SendToQueueOrTopic(links, destination, record, {})) {
      ReportUnavailable(service, destination);
    }
    return;
  }
  auto target = registry.ResolveInvoke(account_id, region, destination, "");
  if (!target.ok()) {
    ReportDropped(destination, target.error().message);
    return;
  }
  Status queued = queue.Enqueue(*target, record);
  if (!queued.ok()) ReportDropped(destination, queued.ToString());
}

void DeliverToDeadLetter(const DestinationLinks& links, const std::string& target_arn,
                         const std::string& payload, const DeadLetterInput& in) {
  std::map<std::string, std::pair<std::string, std::string>> attrs = {
      {"RequestID", {"String", in.request_id}},
      {"ErrorCode", {"Number", in.error_code}},
      {"ErrorMessage", {"String", in.error_message.substr(0, 1024)}}};
  if (!SendToQueueOrTopic(links, target_arn, payload, attrs)) {
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
