#include "services/sqs/queue_attributes.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "services/sqs/api/queue_sender.h"
#include "services/sqs/errors.h"

namespace nimbus::sqs {
namespace {

struct IntRange {
  const char* name;
  int64_t min, max;
};
constexpr IntRange kIntAttributes[] = {
    {"DelaySeconds", 0, 900},
    {"MaximumMessageSize", 1024, kMaxMessageBytes},
    {"MessageRetentionPeriod", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20},
    {"VisibilityTimeout", 0, 43200},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400},
};

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

std::optional<std::string> ParseBool(const std::string& s) {
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "true" || lower == "false") return lower;
  return std::nullopt;
}

// RedrivePolicy: {"deadLetterTargetArn": "...", "maxReceiveCount": 1..1000 (number or string)}.
Result<std::string, AwsError> CheckRedrivePolicy(const std::string& value) {
  if (value.empty()) return value;  // "" removes the policy
  auto bad = [&](const std::string& reason) {
    return InvalidParameter("RedrivePolicy", value, reason);
  };
  nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) return bad("Redrive policy is not a valid JSON map.");
  auto arn = j.find("deadLetterTargetArn");
  if (arn == j.end() || !arn->is_string()) {
    return bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  }
  auto count = j.find("maxReceiveCount");
  if (count == j.end()) {
    return bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  }
  std::optional<int64_t> n;
  if (count->is_number_integer()) n = count->get<int64_t>();
  if (count->is_string()) n = ParseInt(count->get<std::string>());
  if (!n || *n < 1 || *n > 1000) {
    return bad("Invalid value for maxReceiveCount: " +
               (count->is_string() ? count->get<std::string>() : count->dump()) +
               ", valid values are from 1 to 1000 both inclusive.");
  }
  return nlohmann::json{{"deadLetterTargetArn", *arn}, {"maxReceiveCount", *n}}.dump();
}

Result<std::string, AwsError> CheckRedriveAllowPolicy(const std::string& value) {
  if (value.empty()) return value;
  auto bad = [&](const std::string& reason) {
    return InvalidParameter("RedriveAllowPolicy", value, reason);
  };
  nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) return bad("Redrive allow policy is not a valid JSON map.");
  auto perm = j.find("redrivePermission");
  if (perm == j.end() || !perm->is_string()) {
    return bad("Redrive allow policy does not contain mandatory attribute: redrivePermission.");
  }
  std::string p = perm->get<std::string>();
  if (p != "allowAll" && p != "denyAll" && p != "byQueue") {
    return bad("Invalid value for redrivePermission: " + p +
               ", valid values are allowAll, denyAll and byQueue.");
  }
  auto arns = j.find("sourceQueueArns");
  if (p == "byQueue") {
    if (arns == j.end() || !arns->is_array() || arns->empty() || arns->size() > 10) {
      return bad(
          "Redrive allow policy with redrivePermission byQueue needs 1 to 10 "
          "sourceQueueArns.");
    }
  } else if (arns != j.end()) {
    return bad("sourceQueueArns can be specified only when redrivePermission is byQueue.");
  }
  return value;
}

}  // namespace

AttributeMap DefaultQueueAttributes(bool fifo) {
  AttributeMap a = {{"DelaySeconds", "0"},
                    {"MaximumMessageSize", std::to_string(kMaxMessageBytes)},
                    {"MessageRetentionPeriod", "345600"},
                    {"ReceiveMessageWaitTimeSeconds", "0"},
                    {"VisibilityTimeout", "30"},
                    {"SqsManagedSseEnabled", "true"}};
  if (fifo) {
    a["FifoQueue"] = "true";
    a["ContentBasedDeduplication"] = "false";
    a["DeduplicationScope"] = "queue";
    a["FifoThroughputLimit"] = "perQueue";
  }
  return a;
}

Result<AttributeMap, AwsError> ValidateQueueAttributes(const AttributeMap& in, bool fifo,
                                                       bool creating) {
  AttributeMap out;
  for (const auto& [name, value] : in) {
    bool handled = false;
    for (const IntRange& r : kIntAttributes) {
      if (name != r.name) continue;
      auto v = ParseInt(value);
      if (!v || *v < r.min || *v > r.max) return InvalidAttributeValue(name);
      out[name] = std::to_string(*v);
      handled = true;
    }
    if (handled) continue;
    if (name == "Policy") {
      if (!value.empty() && !nlohmann::json::accept(value)) return InvalidAttributeValue(name);
      out[name] = value;
    } else if (name == "RedrivePolicy") {
      auto v = CheckRedrivePolicy(value);
      if (!v.ok()) return v.error();
      out[name] = *v;
    } else if (name == "RedriveAllowPolicy") {
      auto v = CheckRedriveAllowPolicy(value);
      if (!v.ok()) return v.error();
      out[name] = *v;
    } else if (name == "KmsMasterKeyId") {
      out[name] = value;
    } else if (name == "SqsManagedSseEnabled") {
      auto b = ParseBool(value);
      if (!b) return InvalidAttributeValue(name);
      out[name] = *b;
    } else if (name == "FifoQueue") {
      auto b = ParseBool(value);
      if (!creating) return InvalidAttributeName(name);
      if (!b || (*b == "true") != fifo) return InvalidAttributeValue(name);
      if (fifo) out[name] = *b;
    } else if (name == "ContentBasedDeduplication" && fifo) {
      auto b = ParseBool(value);
      if (!b) return InvalidAttributeValue(name);
      out[name] = *b;
    } else if (name == "DeduplicationScope" && fifo) {
      if (value != "messageGroup" && value != "queue") return InvalidAttributeValue(name);
      out[name] = value;
    } else if (name == "FifoThroughputLimit" && fifo) {
      if (value != "perQueue" && value != "perMessageGroupId") {
        return InvalidAttributeValue(name);
      }
      out[name] = value;
    } else {
      return InvalidAttributeName(name);
    }
  }
  return out;
}

int64_t IntAttribute(const AttributeMap& attrs, const std::string& name, int64_t def) {
  auto it = attrs.find(name);
  if (it == attrs.end()) return def;
  return ParseInt(it->second).value_or(def);
}

std::optional<RedrivePolicy> ParseRedrivePolicy(const AttributeMap& attrs) {
  auto it = attrs.find("RedrivePolicy");
  if (it == attrs.end() || it->second.empty()) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  RedrivePolicy p;
  p.dead_letter_target_arn = j.value("deadLetterTargetArn", "");
  p.max_receive_count = j.value("maxReceiveCount", 0);
  if (p.dead_letter_target_arn.empty() || p.max_receive_count < 1) return std::nullopt;
  return p;
}

bool RedriveAllowed(const AttributeMap& dlq_attrs, const std::string& source_arn) {
  auto it = dlq_attrs.find("RedriveAllowPolicy");
  if (it == dlq_attrs.end() || it->second.empty()) return true;
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, false);
  std::string p = j.is_object() ? j.value("redrivePermission", "allowAll") : "allowAll";
  if (p == "denyAll") return false;
  if (p != "byQueue") return true;
  auto arns = j.find("sourceQueueArns");
  if (arns == j.end() || !arns->is_array()) return false;
  for (const auto& a : *arns) {
    if (a.is_string() && a.get<std::string>() == source_arn) return true;
  }
  return false;
}

}  // namespace nimbus::sqs
