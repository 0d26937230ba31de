#include <algorithm>

#include "core/ids.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/sns/attributes.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/ops.h"

namespace nimbus::sns::ops {
namespace {

constexpr const char* kSubsTag = "nimbus/sns-subscriptions/";
constexpr int64_t kTokenLifetimeMs = 3LL * 24 * 3600 * 1000;  // 3 days (reference G.1)

bool Confirmable(const std::string& protocol) {
  return protocol == "http" || protocol == "https" || protocol == "email" ||
         protocol == "email-json";
}

// AWS's check of an endpoint against its protocol; the error text or nullopt.
std::optional<std::string> CheckEndpoint(const std::string& protocol, const std::string& endpoint,
                                         const TopicRow& topic) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (protocol == "http" || protocol == "https") {
    if (lower(endpoint).rfind(protocol + "://", 0) != 0 || endpoint.size() <= protocol.size() + 3) {
      return std::string("Endpoint must match the specified protocol");
    }
    return std::nullopt;
  }
  if (protocol == "email" || protocol == "email-json") {
    size_t at = endpoint.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= endpoint.size()) {
      return std::string("Email address");
    }
    return std::nullopt;
  }
  if (protocol == "sqs") {
    auto arn = ParseArn(endpoint);
    if (!arn || arn->service != "sqs") return std::string("SQS endpoint ARN");
    bool fifo_queue = endpoint.size() > 5 && endpoint.substr(endpoint.size() - 5) == ".fifo";
    if (fifo_queue && !topic.fifo()) {
      return std::string(
          "Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
    }
    return std::nullopt;
  }
  if (protocol == "lambda") {
    auto arn = ParseArn(endpoint);
    if (!arn || arn->service != "lambda") return std::string("Lambda endpoint ARN");
    return std::nullopt;
  }
  return std::nullopt;
}

Value SubscriptionEntry(const SubscriptionRow& sub) {
  return Value{{"SubscriptionArn", sub.confirmed ? sub.arn : "PendingConfirmation"},
               {"Owner", sub.account},
               {"Protocol", sub.protocol},
               {"Endpoint", sub.endpoint},
               {"TopicArn", sub.topic_arn}};
}

OpResult ListPage(SnsState& s, const CallContext& call, const Value& in,
                  const std::string& topic_arn) {
  std::string after;
  if (auto token = OptStr(in, "NextToken"); token && !token->empty()) {
    auto decoded = DecodeTaggedToken(kSubsTag, *token);
    if (!decoded) return InvalidParameter("NextToken");
    after = *decoded;
  }
  constexpr int kPage = 100;
  auto subs = s.store.ListSubscriptions(ScopeOf(call), topic_arn, after, kPage + 1);
  if (!subs.ok()) return Internal(subs.error());
  Value list = Value::array();
  for (size_t i = 0; i < subs->size() && i < kPage; ++i)
    list.push_back(SubscriptionEntry((*subs)[i]));
  Value out{{"Subscriptions", list}};
  if (subs->size() > kPage) out["NextToken"] = EncodeTaggedToken(kSubsTag, (*subs)[kPage - 1].arn);
  return out;
}

Result<SubscriptionRow, AwsError> LoadSubscription(SnsState& s, const std::string& arn) {
  auto parsed = ParseArn(arn);
  if (!parsed || parsed->service != "sns" || parsed->resource.find(':') == std::string::npos) {
    return InvalidParameter("SubscriptionArn");
  }
  auto sub = s.store.GetSubscription(arn);
  if (!sub.ok()) return Internal(sub.error());
  if (!*sub) return NotFound("Subscription does not exist");
  return std::move(**sub);
}

}  // namespace

OpResult Subscribe(SnsState& s, const CallContext& call, const Value& in) {
  auto topic = LoadTopic(s, Str(in, "TopicArn"), "TopicArn");
  if (!topic.ok()) return topic.error();
  std::string protocol = Str(in, "Protocol");
  for (char& c : protocol) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string endpoint = Str(in, "Endpoint");
  static const char* kKnown[] = {"http", "https",       "email",  "email-json", "sms",
                                 "sqs",  "application", "lambda", "firehose"};
  if (std::find(std::begin(kKnown), std::end(kKnown), protocol) == std::end(kKnown)) {
    return InvalidParameter("Amazon SNS does not support this protocol string: " + protocol);
  }
  if (protocol == "sms" || protocol == "application" || protocol == "firehose") {
    return NotImplemented("SNS.Subscribe with Protocol " + protocol);
  }
  if (protocol == "sqs" && !s.sqs_available) {
    return NotImplemented("SNS.Subscribe with Protocol sqs (SQS is not served)");
  }
  if (protocol == "lambda" && !s.lambda_available) {
    return NotImplemented("SNS.Subscribe with Protocol lambda (Lambda invokes are not served)");
  }
  if (endpoint.empty()) return InvalidParameter("Endpoint");
  if (auto bad = CheckEndpoint(protocol, endpoint, *topic)) return InvalidParameter(*bad);

  SubscriptionRow sub;
  sub.topic_arn = topic->arn;
  sub.account = call.account_id;
  sub.protocol = protocol;
  sub.endpoint = endpoint;
  if (const Value* attrs = Member(in, "Attributes"); attrs != nullptr && attrs->is_object()) {
    // Scope first: the filter policy is checked against it.
    for (const char* first : {"FilterPolicyScope", "FilterPolicy"}) {
      if (auto it = attrs->find(first); it != attrs->end() && it->is_string()) {
        if (auto bad = CheckSubscriptionAttribute(sub, first, it->get<std::string>())) {
          return InvalidParameter(*bad);
        }
        sub.attributes[first] = *it;
      }
    }
    for (auto it = attrs->begin(); it != attrs->end(); ++it) {
      if (!it->is_string() || sub.attributes.contains(it.key())) continue;
      if (auto bad = CheckSubscriptionAttribute(sub, it.key(), it->get<std::string>())) {
        return InvalidParameter(*bad);
      }
      if (!it->get<std::string>().empty()) sub.attributes[it.key()] = *it;
    }
  }
  bool return_arn = Bool(in, "ReturnSubscriptionArn");
  auto existing = s.store.FindByEndpoint(topic->arn, protocol, endpoint);
  if (!existing.ok()) return Internal(existing.error());
  if (*existing) {
    if ((*existing)->attributes != sub.attributes && !sub.attributes.empty()) {
      return InvalidParameter(
          "Attributes Reason: Subscription already exists with different attributes");
    }
    if ((*existing)->confirmed || return_arn) return Value{{"SubscriptionArn", (*existing)->arn}};
    return Value{{"SubscriptionArn", "pending confirmation"}};
  }
  sub.arn = topic->arn + ":" + NewUuid();
  sub.confirmed = !Confirmable(protocol);
  if (!sub.confirmed) {
    sub.token = RandomHex(256);
    sub.token_expires_ms = s.clock->NowMillis() + kTokenLifetimeMs;
  }
  Status st = s.store.db().Transaction([&]() -> Status {
    Status put = s.store.PutSubscription(sub);
    if (!put.ok() || sub.confirmed || s.deliveries == nullptr) return put;
    return s.deliveries->EnqueueConfirmation(sub, "SubscriptionConfirmation", BaseUrl(call),
                                             FormatIso8601(s.clock->Now(), true));
  });
  if (!st.ok()) return Internal(st);
  if (sub.confirmed || return_arn) return Value{{"SubscriptionArn", sub.arn}};
  return Value{{"SubscriptionArn", "pending confirmation"}};
}

OpResult ConfirmSubscription(SnsState& s, const CallContext&, const Value& in) {
  auto topic = LoadTopic(s, Str(in, "TopicArn"), "TopicArn");
  if (!topic.ok()) return topic.error();
  std::string token = Str(in, "Token");
  auto sub = s.store.FindByToken(topic->arn, token);
  if (!sub.ok()) return Internal(sub.error());
  if (!*sub || (!(*sub)->confirmed && (*sub)->token_expires_ms < s.clock->NowMillis())) {
    return InvalidParameter("Token");
  }
  if (!(*sub)->confirmed) {
    (*sub)->confirmed = true;
    (*sub)->authenticated = Str(in, "AuthenticateOnUnsubscribe") == "true";
    Status st = s.store.PutSubscription(**sub);
    if (!st.ok()) return Internal(st);
  }
  return Value{{"SubscriptionArn", (*sub)->arn}};
}

OpResult Unsubscribe(SnsState& s, const CallContext& call, const Value& in) {
  auto sub = LoadSubscription(s, Str(in, "SubscriptionArn"));
  if (!sub.ok()) return sub.error();
  Status st = s.store.db().Transaction([&]() -> Status {
    Status del = s.store.DeleteSubscription(sub->arn);
    bool http = sub->protocol == "http" || sub->protocol == "https";
    if (!del.ok() || !http || !sub->confirmed || s.deliveries == nullptr) return del;
    return s.deliveries->EnqueueConfirmation(*sub, "UnsubscribeConfirmation", BaseUrl(call),
                                             FormatIso8601(s.clock->Now(), true));
  });
  if (!st.ok()) return Internal(st);
  return Value::object();
}

OpResult ListSubscriptions(SnsState& s, const CallContext& call, const Value& in) {
  return ListPage(s, call, in, "");
}

OpResult ListSubscriptionsByTopic(SnsState& s, const CallContext& call, const Value& in) {
  auto topic = LoadTopic(s, Str(in, "TopicArn"), "TopicArn");
  if (!topic.ok()) return topic.error();
  return ListPage(s, call, in, topic->arn);
}

OpResult GetSubscriptionAttributes(SnsState& s, const CallContext&, const Value& in) {
  auto sub = LoadSubscription(s, Str(in, "SubscriptionArn"));
  if (!sub.ok()) return sub.error();
  Value attrs{{"SubscriptionArn", sub->arn},
              {"TopicArn", sub->topic_arn},
              {"Owner", sub->account},
              {"Protocol", sub->protocol},
              {"Endpoint", sub->endpoint},
              {"ConfirmationWasAuthenticated", sub->authenticated ? "true" : "false"},
              {"PendingConfirmation", sub->confirmed ? "false" : "true"},
              {"RawMessageDelivery", "false"},
              {"SubscriptionPrincipal", "arn:aws:iam::" + sub->account + ":root"}};
  for (auto it = sub->attributes.begin(); it != sub->attributes.end(); ++it) {
    attrs[it.key()] = *it;
  }
  if (attrs.contains("FilterPolicy") && !attrs.contains("FilterPolicyScope")) {
    attrs["FilterPolicyScope"] = "MessageAttributes";
  }
  if (sub->protocol == "http" || sub->protocol == "https") {
    RetryPolicy policy;
    auto topic = s.store.GetTopic(sub->topic_arn);
    if (topic.ok() && *topic) {
      if (auto p = ParseDeliveryPolicy((*topic)->Attr("DeliveryPolicy", "{}"), true); p.ok()) {
        policy = *p;
      }
    }
    if (auto p = ParseDeliveryPolicy(sub->Attr("DeliveryPolicy", "{}"), false, policy); p.ok()) {
      policy = *p;
    }
    Value effective{{"healthyRetryPolicy",
                     {{"minDelayTarget", policy.min_delay_target},
                      {"maxDelayTarget", policy.max_delay_target},
                      {"numRetries", policy.num_retries},
                      {"numMaxDelayRetries", policy.num_max_delay_retries},
                      {"numNoDelayRetries", policy.num_no_delay_retries},
                      {"numMinDelayRetries", policy.num_min_delay_retries},
                      {"backoffFunction", policy.backoff_function}}}};
    if (policy.max_receives_per_second) {
      effective["throttlePolicy"] = {{"maxReceivesPerSecond", *policy.max_receives_per_second}};
    }
    attrs["EffectiveDeliveryPolicy"] = effective.dump();
  }
  return Value{{"Attributes", attrs}};
}

OpResult SetSubscriptionAttributes(SnsState& s, const CallContext&, const Value& in) {
  auto sub = LoadSubscription(s, Str(in, "SubscriptionArn"));
  if (!sub.ok()) return sub.error();
  std::string name = Str(in, "AttributeName"), value = Str(in, "AttributeValue");
  if (auto bad = CheckSubscriptionAttribute(*sub, name, value)) return InvalidParameter(*bad);
  if (value.empty()) {
    sub->attributes.erase(name);
  } else {
    sub->attributes[name] = value;
  }
  Status st = s.store.PutSubscription(*sub);
  if (!st.ok()) return Internal(st);
  return Value::object();
}

}  // namespace nimbus::sns::ops
