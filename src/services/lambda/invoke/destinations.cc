#include "services/lambda/invoke/destinations.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

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

// Reports once per process and service that nimbus cannot deliver there.
void ReportUnavailable(const std::string& service, const std::string& destination) {
  static std::atomic<bool> sqs{false}, sns{false}, events{false}, other{false};
  std::atomic<bool>& seen = service == "sqs"      ? sqs
                            : service == "sns"    ? sns
                            : service == "events" ? events
                                                  : other;
  if (seen.exchange(true)) return;
  std::fprintf(stderr,
               "nimbus: lambda destination %s dropped: delivery to %s is not available in "
               "nimbus yet (reported once)\n",
               destination.c_str(), service.empty() ? "this target" : service.c_str());
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
                          const std::string& account_id, const std::string& region,
                          const std::string& destination, const std::string& record) {
  std::string service = ArnService(destination);
  if (service != "lambda") {
    ReportUnavailable(service, destination);
    return;
  }
  auto target = registry.ResolveInvoke(account_id, region, destination, "");
  if (!target.ok()) {
    std::fprintf(stderr, "nimbus: lambda destination %s dropped: %s\n", destination.c_str(),
                 target.error().message.c_str());
    return;
  }
  Status queued = queue.Enqueue(*target, record);
  if (!queued.ok()) {
    std::fprintf(stderr, "nimbus: lambda destination %s dropped: %s\n", destination.c_str(),
                 queued.ToString().c_str());
  }
}

}  // namespace nimbus::lambda
