#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/sns/attributes.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/ops.h"

namespace nimbus::sns::ops {
namespace {

constexpr size_t kMaxTags = 50;
constexpr const char* kTopicsTag = "nimbus/sns-topics/";

bool ValidTopicName(const std::string& name, bool fifo) {
  std::string base = name;
  if (fifo) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".fifo") return false;
    base = name.substr(0, name.size() - 5);
  }
  if (base.empty() || name.size() > 256) return false;
  for (char c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string DefaultPolicy(const std::string& arn, const std::string& account) {
  Value statement{{"Sid", "__default_statement_ID"},
                  {"Effect", "Allow"},
                  {"Principal", {{"AWS", "*"}}},
                  {"Action",
                   {"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                    "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic", "SNS:Publish"}},
                  {"Resource", arn},
                  {"Condition", {{"StringEquals", {{"AWS:SourceOwner", account}}}}}};
  return Value{{"Version", "2008-10-17"},
               {"Id", "__default_policy_ID"},
               {"Statement", Value::array({statement})}}
      .dump();
}

// Tags of the input list [{Key, Value}] merged into `tags`, or the error.
std::optional<AwsError> MergeTags(const Value* list, Value& tags) {
  if (list == nullptr || !list->is_array()) return std::nullopt;
  for (const Value& t : *list) {
    std::string key = Str(t, "Key"), value = Str(t, "Value");
    if (key.empty() || key.size() > 128) return InvalidParameter("Tags.Key");
    if (value.size() > 256) return InvalidParameter("Tags.Value");
    tags[key] = value;
  }
  if (tags.size() > kMaxTags) {
    return AwsError("TagLimitExceeded",
                    "Could not complete request: tag quota of per resource exceeded", 400);
  }
  return std::nullopt;
}

Value TagList(const Value& tags) {
  Value out = Value::array();
  for (auto it = tags.begin(); it != tags.end(); ++it) {
    out.push_back({{"Key", it.key()}, {"Value", *it}});
  }
  return out;
}

Result<TopicRow, AwsError> TaggedTopic(SnsState& s, const Value& in) {
  std::string arn = Str(in, "ResourceArn");
  auto parsed = ParseArn(arn);
  if (!parsed || parsed->service != "sns") return InvalidParameter("ResourceArn");
  auto topic = s.store.GetTopic(arn);
  if (!topic.ok()) return Internal(topic.error());
  if (!*topic) return AwsError("ResourceNotFound", "Resource does not exist", 404);
  return std::move(**topic);
}

}  // namespace

OpResult CreateTopic(SnsState& s, const CallContext& call, const Value& in) {
  std::string name = Str(in, "Name");
  Value attrs = Value::object();
  if (const Value* a = Member(in, "Attributes"); a != nullptr && a->is_object()) attrs = *a;
  if (Member(in, "DataProtectionPolicy") != nullptr) {
    return NotImplemented("SNS.CreateTopic with DataProtectionPolicy");
  }
  bool fifo = attrs.value("FifoTopic", "") == "true";
  if (!ValidTopicName(name, fifo)) {
    if (fifo || (name.size() > 5 && name.substr(name.size() - 5) == ".fifo")) {
      return InvalidParameter(
          "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
          "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and "
          "256 characters long.");
    }
    return InvalidParameter("Topic Name");
  }
  // Deliveries to the topic's subscribers are signed: a fresh data dir's key is made now, in the
  // background, rather than by the first of them.
  s.signer->Prepare();
  TopicRow topic;
  topic.name = name;
  topic.arn = MakeArn("sns", ScopeOf(call), name);
  if (fifo) topic.attributes["FifoTopic"] = "true";
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {
    if (!it->is_string()) continue;
    bool unimplemented = false;
    auto bad = CheckTopicAttribute(topic, it.key(), it->get<std::string>(), true, unimplemented);
    if (bad) return unimplemented ? NotImplemented(*bad) : InvalidParameter(*bad);
    if (it.key() == "FifoTopic" && !fifo) continue;  // "false": a standard topic
    topic.attributes[it.key()] = *it;
  }
  if (fifo && !topic.attributes.contains("ContentBasedDeduplication")) {
    topic.attributes["ContentBasedDeduplication"] = "false";
  }
  if (auto bad = MergeTags(Member(in, "Tags"), topic.tags)) return *bad;
  auto existing = s.store.GetTopic(topic.arn);
  if (!existing.ok()) return Internal(existing.error());
  if (*existing) {
    // Idempotent per name; attributes given must match those the topic has.
    for (auto it = topic.attributes.begin(); it != topic.attributes.end(); ++it) {
      if ((*existing)->Attr(it.key().c_str()) != it->get<std::string>()) {
        return InvalidParameter(
            "Attributes Reason: Topic already exists with different attributes");
      }
    }
    if (!topic.tags.empty() && topic.tags != (*existing)->tags) {
      return InvalidParameter("Tags Reason: Topic already exists with different tags");
    }
    return Value{{"TopicArn", topic.arn}};
  }
  Status st = s.store.InsertTopic(ScopeOf(call), topic);
  if (!st.ok() && st.code() != StatusCode::kAlreadyExists) return Internal(st);
  return Value{{"TopicArn", topic.arn}};
}

OpResult DeleteTopic(SnsState& s, const CallContext&, const Value& in) {
  std::string arn = Str(in, "TopicArn");
  auto parsed = ParseArn(arn);
  if (!parsed || parsed->service != "sns") return InvalidParameter("TopicArn");
  Status st = s.store.DeleteTopic(arn);  // deleting a missing topic succeeds, as on AWS
  if (!st.ok()) return Internal(st);
  return Value::object();
}

OpResult ListTopics(SnsState& s, const CallContext& call, const Value& in) {
  std::string after;
  if (auto token = OptStr(in, "NextToken"); token && !token->empty()) {
    auto decoded = DecodeTaggedToken(kTopicsTag, *token);
    if (!decoded) return InvalidParameter("NextToken");
    after = *decoded;
  }
  constexpr int kPage = 100;
  auto arns = s.store.ListTopics(ScopeOf(call), after, kPage + 1);
  if (!arns.ok()) return Internal(arns.error());
  Value topics = Value::array();
  for (size_t i = 0; i < arns->size() && i < kPage; ++i) {
    topics.push_back({{"TopicArn", (*arns)[i]}});
  }
  Value out{{"Topics", topics}};
  if (arns->size() > kPage) out["NextToken"] = EncodeTaggedToken(kTopicsTag, (*arns)[kPage - 1]);
  return out;
}

OpResult GetTopicAttributes(SnsState& s, const CallContext& call, const Value& in) {
  auto topic = LoadTopic(s, Str(in, "TopicArn"), "TopicArn");
  if (!topic.ok()) return topic.error();
  auto subs = s.store.TopicSubscriptions(topic->arn);
  if (!subs.ok()) return Internal(subs.error());
  int pending = 0, confirmed = 0;
  for (const SubscriptionRow& sub : *subs) (sub.confirmed ? confirmed : pending)++;
  std::string account = ParseArn(topic->arn)->scope.account;
  (void)call;
  Value attrs{{"TopicArn", topic->arn},
              {"Owner", account},
              {"Policy", DefaultPolicy(topic->arn, account)},
              {"DisplayName", ""},
              {"SubscriptionsPending", std::to_string(pending)},
              {"SubscriptionsConfirmed", std::to_string(confirmed)},
              {"SubscriptionsDeleted", "0"}};
  RetryPolicy policy;
  if (std::string dp = topic->Attr("DeliveryPolicy"); !dp.empty()) {
    if (auto p = ParseDeliveryPolicy(dp, true); p.ok()) policy = *p;
  }
  attrs["EffectiveDeliveryPolicy"] = policy.EffectiveJson();
  for (auto it = topic->attributes.begin(); it != topic->attributes.end(); ++it) {
    attrs[it.key()] = *it;
  }
  return Value{{"Attributes", attrs}};
}

OpResult SetTopicAttributes(SnsState& s, const CallContext&, const Value& in) {
  auto topic = LoadTopic(s, Str(in, "TopicArn"), "TopicArn");
  if (!topic.ok()) return topic.error();
  std::string name = Str(in, "AttributeName"), value = Str(in, "AttributeValue");
  bool unimplemented = false;
  auto bad = CheckTopicAttribute(*topic, name, value, false, unimplemented);
  if (bad) return unimplemented ? NotImplemented(*bad) : InvalidParameter(*bad);
  if (value.empty() && name != "DisplayName") {
    topic->attributes.erase(name);
  } else {
    topic->attributes[name] = value;
  }
  Status st = s.store.UpdateTopic(*topic);
  if (!st.ok()) return Internal(st);
  return Value::object();
}

OpResult TagResource(SnsState& s, const CallContext&, const Value& in) {
  auto topic = TaggedTopic(s, in);
  if (!topic.ok()) return topic.error();
  if (auto bad = MergeTags(Member(in, "Tags"), topic->tags)) return *bad;
  Status st = s.store.UpdateTopic(*topic);
  if (!st.ok()) return Internal(st);
  return Value::object();
}

OpResult UntagResource(SnsState& s, const CallContext&, const Value& in) {
  auto topic = TaggedTopic(s, in);
  if (!topic.ok()) return topic.error();
  if (const Value* keys = Member(in, "TagKeys"); keys != nullptr && keys->is_array()) {
    for (const Value& k : *keys) {
      if (k.is_string()) topic->tags.erase(k.get<std::string>());
    }
  }
  Status st = s.store.UpdateTopic(*topic);
  if (!st.ok()) return Internal(st);
  return Value::object();
}

OpResult ListTagsForResource(SnsState& s, const CallContext&, const Value& in) {
  auto topic = TaggedTopic(s, in);
  if (!topic.ok()) return topic.error();
  return Value{{"Tags", TagList(topic->tags)}};
}

}  // namespace nimbus::sns::ops
