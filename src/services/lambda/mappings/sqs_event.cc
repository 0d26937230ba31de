#include "services/lambda/mappings/sqs_event.h"

#include <nlohmann/json.hpp>

#include "protocol/wire.h"

namespace nimbus::lambda {

std::string SqsRecord(const sqs::PolledMessage& m, const std::string& queue_arn,
                      const std::string& region) {
  nlohmann::ordered_json attributes = {
      {"ApproximateReceiveCount", std::to_string(m.receive_count)},
      {"SentTimestamp", std::to_string(m.sent_ms)},
      {"SenderId", m.sender_id},
      {"ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms)}};
  if (!m.sequence_number.empty()) attributes["SequenceNumber"] = m.sequence_number;
  if (!m.group_id.empty()) attributes["MessageGroupId"] = m.group_id;
  if (!m.deduplication_id.empty()) attributes["MessageDeduplicationId"] = m.deduplication_id;
  if (!m.dead_letter_source_arn.empty()) {
    attributes["DeadLetterQueueSourceArn"] = m.dead_letter_source_arn;
  }
  if (!m.aws_trace_header.empty()) attributes["AWSTraceHeader"] = m.aws_trace_header;
  nlohmann::ordered_json message_attributes = nlohmann::ordered_json::object();
  for (const auto& [name, a] : m.attributes) {
    nlohmann::ordered_json v = nlohmann::ordered_json::object();
    if (a.data_type.starts_with("Binary")) {
      v["binaryValue"] = wire::Base64Encode(a.binary_value);
    } else {
      v["stringValue"] = a.string_value;
    }
    v["stringListValues"] = nlohmann::ordered_json::array();
    v["binaryListValues"] = nlohmann::ordered_json::array();
    v["dataType"] = a.data_type;
    message_attributes[name] = std::move(v);
  }
  nlohmann::ordered_json r = {{"messageId", m.message_id},
                              {"receiptHandle", m.receipt_handle},
                              {"body", m.body},
                              {"attributes", std::move(attributes)},
                              {"messageAttributes", std::move(message_attributes)}};
  if (!m.md5_of_attributes.empty()) r["md5OfMessageAttributes"] = m.md5_of_attributes;
  r["md5OfBody"] = m.md5_of_body;
  r["eventSource"] = "aws:sqs";
  r["eventSourceARN"] = queue_arn;
  r["awsRegion"] = region;
  return r.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string SqsEvent(const std::vector<std::string>& records) {
  size_t size = kEventFraming;
  for (const auto& r : records) size += r.size() + 1;
  std::string event;
  event.reserve(size);
  event += "{\"Records\":[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) event += ',';
    event += records[i];
  }
  event += "]}";
  return event;
}

std::string SqsEvent(const std::vector<sqs::PolledMessage>& batch, const std::string& queue_arn,
                     const std::string& region) {
  std::vector<std::string> records;
  records.reserve(batch.size());
  for (const auto& m : batch) records.push_back(SqsRecord(m, queue_arn, region));
  return SqsEvent(records);
}

Value FilterView(const std::string& record) {
  Value view = Value::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!view.is_object()) return Value::object();
  auto body = view.find("body");
  if (body != view.end() && body->is_string()) {
    Value parsed = Value::parse(body->get_ref<const std::string&>(), nullptr, false);
    if (!parsed.is_discarded()) *body = std::move(parsed);
  }
  return view;
}

std::set<std::string> FailedItems(std::string_view response,
                                  const std::vector<sqs::PolledMessage>& batch) {
  std::set<std::string> all;
  for (const auto& m : batch) all.insert(m.message_id);
  if (response.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  auto parsed = nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return all;
  if (!parsed.is_object()) return {};
  auto list = parsed.find("batchItemFailures");
  if (list == parsed.end() || list->is_null()) return {};
  if (!list->is_array()) return all;
  std::set<std::string> failed;
  for (const auto& item : *list) {
    if (!item.is_object()) return all;
    auto id = item.find("itemIdentifier");
    if (id == item.end() || !id->is_string()) return all;
    std::string value = id->get<std::string>();
    if (!all.count(value)) return all;
    failed.insert(value);
  }
  return failed;
}

}  // namespace nimbus::lambda
