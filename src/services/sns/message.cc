#include "services/sns/message.h"

#include "core/http.h"

namespace nimbus::sns {
namespace {

using Ordered = nlohmann::ordered_json;

Ordered AttributesJson(const MessageAttributes& attrs, bool lambda) {
  Ordered out = Ordered::object();
  for (const auto& [name, a] : attrs) {
    std::string type = a.type;
    // Lambda sees String.Array and Number as String (reference G.4).
    if (lambda && type.rfind("Binary", 0) != 0) type = "String";
    out[name] = Ordered{{"Type", type}, {"Value", a.value}};
  }
  return out;
}

}  // namespace

const std::string& PublishedMessage::MessageFor(std::string_view protocol) const {
  if (per_protocol.is_object()) {
    auto it = per_protocol.find(std::string(protocol));
    if (it != per_protocol.end() && it->is_string()) return it->get_ref<const std::string&>();
    auto def = per_protocol.find("default");
    if (def != per_protocol.end() && def->is_string()) return def->get_ref<const std::string&>();
  }
  return message;
}

std::string PublishedMessage::ToJson() const {
  Value attrs = Value::object();
  for (const auto& [k, a] : attributes) attrs[k] = Value::array({a.type, a.value});
  Value v{{"id", id},         {"topic", topic_arn}, {"message", message},
          {"attrs", attrs},   {"ts", timestamp},    {"sigv", signature_version},
          {"base", base_url}, {"group", group_id},  {"dedup", dedup_id},
          {"seq", sequence}};
  if (subject) v["subject"] = *subject;
  if (!per_protocol.is_null()) v["structure"] = per_protocol;
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<PublishedMessage> PublishedMessage::FromJson(std::string_view json) {
  Value v = Value::parse(json, nullptr, false);
  if (!v.is_object()) return std::nullopt;
  PublishedMessage m;
  auto s = [&](const char* k) { return v.value(k, std::string()); };
  m.id = s("id");
  m.topic_arn = s("topic");
  m.message = s("message");
  m.timestamp = s("ts");
  m.signature_version = s("sigv");
  m.base_url = s("base");
  m.group_id = s("group");
  m.dedup_id = s("dedup");
  m.sequence = s("seq");
  if (v.contains("subject")) m.subject = s("subject");
  if (v.contains("structure")) m.per_protocol = v["structure"];
  if (auto a = v.find("attrs"); a != v.end() && a->is_object()) {
    for (auto it = a->begin(); it != a->end(); ++it) {
      if (it->is_array() && it->size() == 2) {
        m.attributes[it.key()] = {(*it)[0].get<std::string>(), (*it)[1].get<std::string>()};
      }
    }
  }
  return m;
}

std::string SubscribeUrl(const std::string& base, const std::string& topic_arn,
                         const std::string& token) {
  return base + "/?Action=ConfirmSubscription&TopicArn=" + PercentEncode(topic_arn) +
         "&Token=" + PercentEncode(token);
}

std::string UnsubscribeUrl(const std::string& base, const std::string& subscription_arn) {
  return base + "/?Action=Unsubscribe&SubscriptionArn=" + PercentEncode(subscription_arn);
}

std::string NotificationJson(const PublishedMessage& m, const std::string& text,
                             const std::string& signature, const std::string& cert_url,
                             const std::string& unsubscribe_url) {
  Ordered o;
  o["Type"] = "Notification";
  o["MessageId"] = m.id;
  if (!m.sequence.empty()) o["SequenceNumber"] = m.sequence;
  o["TopicArn"] = m.topic_arn;
  if (m.subject) o["Subject"] = *m.subject;
  o["Message"] = text;
  o["Timestamp"] = m.timestamp;
  o["SignatureVersion"] = m.signature_version;
  o["Signature"] = signature;
  o["SigningCertURL"] = cert_url;
  o["UnsubscribeURL"] = unsubscribe_url;
  if (!m.attributes.empty() && !m.per_protocol.is_object()) {
    o["MessageAttributes"] = AttributesJson(m.attributes, false);
  }
  return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

NotificationTemplate::NotificationTemplate(const PublishedMessage& m, const std::string& text,
                                           const std::string& signature,
                                           const std::string& cert_url) {
  // Quotes inside the JSON's strings are escaped, so `"UnsubscribeURL":"<marker>"` occurs once.
  static const std::string kMarker = "nimbus-unsubscribe-url";
  static const std::string kMember = "\"UnsubscribeURL\":\"" + kMarker + "\"";
  std::string json = NotificationJson(m, text, signature, cert_url, kMarker);
  size_t at = json.rfind(kMember);
  size_t value = at + kMember.size() - kMarker.size() - 2;  // the opening quote
  head_ = json.substr(0, value);
  tail_ = json.substr(at + kMember.size());
}

std::string NotificationTemplate::For(const std::string& unsubscribe_url) const {
  std::string url = nlohmann::json(unsubscribe_url)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(head_.size() + url.size() + tail_.size());
  out += head_;
  out += url;
  out += tail_;
  return out;
}

std::string ConfirmationJson(const std::string& type, const std::string& message_id,
                             const std::string& token, const std::string& topic_arn,
                             const std::string& message, const std::string& subscribe_url,
                             const std::string& timestamp, const std::string& signature_version,
                             const std::string& signature, const std::string& cert_url) {
  Ordered o;
  o["Type"] = type;
  o["MessageId"] = message_id;
  o["Token"] = token;
  o["TopicArn"] = topic_arn;
  o["Message"] = message;
  o["SubscribeURL"] = subscribe_url;
  o["Timestamp"] = timestamp;
  o["SignatureVersion"] = signature_version;
  o["Signature"] = signature;
  o["SigningCertURL"] = cert_url;
  return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string LambdaEventJson(const PublishedMessage& m, const std::string& text,
                            const std::string& subscription_arn, const std::string& signature,
                            const std::string& cert_url, const std::string& unsubscribe_url) {
  Ordered sns;
  sns["Type"] = "Notification";
  sns["MessageId"] = m.id;
  sns["TopicArn"] = m.topic_arn;
  sns["Subject"] = m.subject ? Ordered(*m.subject) : Ordered(nullptr);
  sns["Message"] = text;
  sns["Timestamp"] = m.timestamp;
  sns["SignatureVersion"] = m.signature_version;
  sns["Signature"] = signature;
  sns["SigningCertUrl"] = cert_url;
  sns["UnsubscribeUrl"] = unsubscribe_url;
  sns["MessageAttributes"] = AttributesJson(m.attributes, true);
  Ordered record;
  record["EventSource"] = "aws:sns";
  record["EventVersion"] = "1.0";
  record["EventSubscriptionArn"] = subscription_arn;
  record["Sns"] = std::move(sns);
  Ordered event;
  event["Records"] = Ordered::array({std::move(record)});
  return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace nimbus::sns
