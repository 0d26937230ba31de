#include <cstdio>
#include <set>

#include "core/ids.h"
#include "protocol/wire.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/sns/ops.h"
#include "store/sha256.h"

namespace nimbus::sns::ops {
namespace {

constexpr size_t kMaxMessageBytes = 262144;  // message and attributes (reference G.6)
constexpr size_t kMaxAttributes = 10;
constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;
constexpr size_t kMaxBatch = 10;

AwsError BadValue(const std::string& message) { return AwsError("ParameterValueInvalid", message); }

bool ValidAttributeName(const std::string& n) {
  if (n.empty() || n.size() > 256 || n.front() == '.' || n.back() == '.') return false;
  if (n.find("..") != std::string::npos) return false;
  if (n.rfind("AWS.", 0) == 0 || n.rfind("Amazon.", 0) == 0) return false;
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// The MessageAttributes input as SNS keeps them, or the error AWS answers.
Result<MessageAttributes, AwsError> ReadAttributes(const Value* in, size_t& bytes) {
  MessageAttributes out;
  if (in == nullptr || !in->is_object()) return out;
  if (in->size() > kMaxAttributes) {
    return BadValue("Number of message attributes [" + std::to_string(in->size()) +
                    "] exceeds the allowed maximum [" + std::to_string(kMaxAttributes) + "].");
  }
  for (auto it = in->begin(); it != in->end(); ++it) {
    const std::string& name = it.key();
    if (!ValidAttributeName(name)) {
      return BadValue("The message attribute name '" + name + "' is invalid.");
    }
    std::string type = Str(*it, "DataType");
    if (type.empty()) {
      return BadValue("The message attribute '" + name +
                      "' must contain non-empty message attribute type.");
    }
    std::string base = type.substr(0, type.find('.'));
    bool array = type == "String.Array";
    if (base != "String" && base != "Number" && base != "Binary") {
      return BadValue("The message attribute '" + name +
                      "' has an invalid message attribute type, the set of supported type "
                      "prefixes is Binary, Number, and String.");
    }
    MessageAttribute a;
    a.type = type;
    if (base == "Binary") {
      auto blob = Blob(*it, "BinaryValue");
      if (!blob || blob->empty()) {
        return BadValue("The message attribute '" + name +
                        "' must contain non-empty message attribute value for message attribute "
                        "type '" +
                        type + "'.");
      }
      bytes += blob->size();
      a.value = wire::Base64Encode(*blob);
    } else {
      auto value = OptStr(*it, "StringValue");
      if (!value || value->empty()) {
        return BadValue("The message attribute '" + name +
                        "' must contain non-empty message attribute value for message attribute "
                        "type '" +
                        type + "'.");
      }
      if (base == "Number") {
        char* end = nullptr;
        double d = std::strtod(value->c_str(), &end);
        if (end == value->c_str() || *end != '\0' || d < -1e9 || d > 1e9) {
          return BadValue("Could not cast message attribute '" + name + "' value to number.");
        }
      }
      if (array) {
        Value arr = Value::parse(*value, nullptr, false);
        bool ok = arr.is_array();
        if (ok) {
          for (const Value& e : arr) {
            ok = ok && (e.is_string() || e.is_number() || e.is_boolean() || e.is_null());
          }
        }
        if (!ok) {
          return BadValue("The message attribute '" + name +
                          "' has an invalid message attribute value: String.Array values must "
                          "be a JSON array of strings, numbers, true, false or null.");
        }
      }
      bytes += value->size();
      a.value = *value;
    }
    bytes += name.size() + type.size();
    out[name] = std::move(a);
  }
  return out;
}

bool ValidSubject(const std::string& s) {
  if (s.empty() || s.size() > 100) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c >= 0x80) return false;
  }
  return true;
}

// One Publish (or batch entry) validated into the message to store; `fail` gets AWS's error.
Result<PublishedMessage, AwsError> BuildMessage(const SnsState& s, const TopicRow& topic,
                                                const CallContext& call, const Value& in) {
  PublishedMessage m;
  auto text = OptStr(in, "Message");
  if (!text || text->empty()) return InvalidParameter("Empty message");
  m.message = *text;
  size_t bytes = m.message.size();
  auto attrs = ReadAttributes(Member(in, "MessageAttributes"), bytes);
  if (!attrs.ok()) return attrs.error();
  m.attributes = std::move(*attrs);
  if (bytes > kMaxMessageBytes) return InvalidParameter("Message too long");
  if (auto subject = OptStr(in, "Subject")) {
    if (!ValidSubject(*subject)) return InvalidParameter("Subject");
    m.subject = *subject;
  }
  if (auto structure = OptStr(in, "MessageStructure")) {
    if (*structure != "json") return InvalidParameter("MessageStructure");
    Value v = Value::parse(m.message, nullptr, false);
    if (!v.is_object()) {
      return InvalidParameter("Message Structure - JSON message body failed to parse");
    }
    auto def = v.find("default");
    if (def == v.end() || !def->is_string()) {
      return InvalidParameter("Message Structure - No default entry in JSON message body");
    }
    m.per_protocol = std::move(v);
  }
  std::string group = Str(in, "MessageGroupId"), dedup = Str(in, "MessageDeduplicationId");
  if (topic.fifo()) {
    if (group.empty()) {
      return InvalidParameter("The MessageGroupId parameter is required for FIFO topics");
    }
    if (dedup.empty()) {
      if (topic.Attr("ContentBasedDeduplication") != "true") {
        return InvalidParameter(
            "The topic should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly");
      }
      dedup = store::Hasher::Hex(m.message);
    }
    if (group.size() > 128 || dedup.size() > 128) {
      return InvalidParameter(group.size() > 128 ? "MessageGroupId" : "MessageDeduplicationId");
    }
  } else if (!dedup.empty()) {
    return InvalidParameter(
        "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter "
        "that is not valid for this topic type");
  }
  m.group_id = group;
  m.dedup_id = dedup;
  m.id = NewUuid();
  m.topic_arn = topic.arn;
  m.timestamp = FormatIso8601(s.clock->Now(), true);
  m.signature_version = topic.Attr("SignatureVersion", "1");
  m.base_url = BaseUrl(call);
  return m;
}

// The subscriptions of `topic` that take `m`: confirmed, with a filter policy that matches.
Result<std::vector<SubscriptionRow>, AwsError> Recipients(SnsState& s, const PublishedMessage& m) {
  auto subs = s.store.TopicSubscriptions(m.topic_arn);
  if (!subs.ok()) return Internal(subs.error());
  std::vector<SubscriptionRow> out;
  for (SubscriptionRow& sub : *subs) {
    if (!sub.confirmed) continue;
    std::string policy = sub.Attr("FilterPolicy");
    if (!policy.empty()) {
      bool body = sub.Attr("FilterPolicyScope") == "MessageBody";
      auto parsed = FilterPolicy::Parse(
          policy, body ? FilterScope::kMessageBody : FilterScope::kMessageAttributes);
      if (!parsed.ok()) continue;
      bool match = body ? parsed->MatchesBody(m.MessageFor(sub.protocol))
                        : parsed->MatchesAttributes(m.attributes);
      if (!match) continue;
    }
    out.push_back(std::move(sub));
  }
  return out;
}

// Stores `m` and its deliveries (FIFO: deduplicated and numbered); returns the output.
OpResult Accept(SnsState& s, const std::string& topic_arn, PublishedMessage m) {
  Value out;
  Status st = s.store.db().Transaction([&]() -> Status {
    auto topic = s.store.GetTopic(topic_arn);  // again, inside the transaction (sequence)
    if (!topic.ok()) return topic.error();
    if (!*topic) return Status::NotFound("Topic does not exist");
    if ((*topic)->fifo()) {
      int64_t seq = (*topic)->sequence + 1;
      int64_t now = s.clock->NowMillis();
      auto seen = s.store.Deduplicate(topic_arn, m.dedup_id, m.id, seq, now, now + kDedupWindowMs);
      if (!seen.ok()) return seen.error();
      char buf[24];
      if (*seen) {
        std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>((*seen)->second));
        out = Value{{"MessageId", (*seen)->first}, {"SequenceNumber", buf}};
        return Status::Ok();
      }
      (*topic)->sequence = seq;
      Status up = s.store.UpdateTopic(**topic);
      if (!up.ok()) return up;
      std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(seq));
      m.sequence = buf;
      out = Value{{"MessageId", m.id}, {"SequenceNumber", m.sequence}};
    } else {
      out = Value{{"MessageId", m.id}};
    }
    auto recipients = Recipients(s, m);
    if (!recipients.ok()) return Status::Internal(recipients.error().message);
    if (s.deliveries == nullptr) return Status::Ok();
    return s.deliveries->EnqueueNotification(m, *recipients);
  });
  if (!st.ok()) {
    if (st.code() == StatusCode::kNotFound) return NotFound(st.message());
    return Internal(st);
  }
  return out;
}

}  // namespace

OpResult Publish(SnsState& s, const CallContext& call, const Value& in) {
  if (OptStr(in, "PhoneNumber")) return NotImplemented("SNS.Publish to a PhoneNumber");
  std::string arn = Str(in, "TopicArn");
  const char* param = "TopicArn";
  if (arn.empty()) {
    arn = Str(in, "TargetArn");
    param = "TargetArn";
  }
  if (arn.empty()) {
    return InvalidParameter("TopicArn or TargetArn Reason: no value for required parameter");
  }
  if (auto parsed = ParseArn(arn); parsed && parsed->resource.rfind("endpoint/", 0) == 0) {
    return NotImplemented("SNS.Publish to a platform endpoint");
  }
  auto topic = LoadTopic(s, arn, param);
  if (!topic.ok()) return topic.error();
  auto m = BuildMessage(s, *topic, call, in);
  if (!m.ok()) return m.error();
  return Accept(s, topic->arn, std::move(*m));
}

OpResult PublishBatch(SnsState& s, const CallContext& call, const Value& in) {
  auto topic = LoadTopic(s, Str(in, "TopicArn"), "TopicArn");
  if (!topic.ok()) return topic.error();
  const Value* entries = Member(in, "PublishBatchRequestEntries");
  if (entries == nullptr || !entries->is_array() || entries->empty()) {
    return AwsError("EmptyBatchRequest", "The batch request doesn't contain any entries.");
  }
  if (entries->size() > kMaxBatch) {
    return AwsError("TooManyEntriesInBatchRequest",
                    "The batch request contains more entries than permissible.");
  }
  std::set<std::string> ids;
  size_t total = 0;
  for (const Value& e : *entries) {
    std::string id = Str(e, "Id");
    bool valid = !id.empty() && id.size() <= 80;
    for (char c : id) {
      valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    }
    if (!valid) {
      return AwsError("InvalidBatchEntryId",
                      "The Id of a batch entry in a batch request doesn't abide by the "
                      "specification.");
    }
    if (!ids.insert(id).second) {
      return AwsError("BatchEntryIdsNotDistinct",
                      "Two or more batch entries in the request have the same Id.");
    }
    total += Str(e, "Message").size();
  }
  if (total > kMaxMessageBytes) {
    return AwsError("BatchRequestTooLong",
                    "The length of all the messages put together is more than the limit.");
  }
  Value successful = Value::array(), failed = Value::array();
  // One commit for the batch: each entry is a savepoint of it (a failed one rolls back alone).
  Status st = s.store.db().Transaction([&]() -> Status {
    for (const Value& e : *entries) {
    std::string id = Str(e, "Id");
    auto m = BuildMessage(s, *topic, call, e);
    OpResult r = m.ok() ? Accept(s, topic->arn, std::move(*m)) : OpResult(m.error());
    if (r.ok()) {
      Value ok{{"Id", id}, {"MessageId", (*r)["MessageId"]}};
      if (r->contains("SequenceNumber")) ok["SequenceNumber"] = (*r)["SequenceNumber"];
      successful.push_back(std::move(ok));
    } else {
      failed.push_back({{"Id", id},
                        {"Code", r.error().code},
                        {"Message", r.error().message},
                        {"SenderFault", r.error().sender_fault}});
    }
    }
    return Status::Ok();
  });
  if (!st.ok()) return Internal(st);
  return Value{{"Successful", successful}, {"Failed", failed}};
}

}  // namespace nimbus::sns::ops
