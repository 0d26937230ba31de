// Queue operations: create, delete, find, list, attributes, tags, purge, dead-letter sources
// and message move tasks.
#include <utility>

#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/sqs/errors.h"
#include "services/sqs/ops.h"

namespace nimbus::sqs::ops {
namespace {

constexpr std::string_view kListTag = "nimbus/sqs-queues/";

std::map<std::string, std::string> StringMap(const Value& in, const char* key) {
  std::map<std::string, std::string> out;
  if (const Value* m = Member(in, key); m != nullptr && m->is_object()) {
    for (auto it = m->begin(); it != m->end(); ++it) {
      if (it->is_string()) out[it.key()] = it->get<std::string>();
    }
  }
  return out;
}

std::vector<std::string> StringList(const Value& in, const char* key) {
  std::vector<std::string> out;
  if (const Value* m = Member(in, key); m != nullptr && m->is_array()) {
    for (const auto& v : *m) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

Value ToValue(const std::map<std::string, std::string>& m) {
  Value out = Value::object();
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

OpResult Done(const std::optional<AwsError>& error) {
  if (error) return *error;
  return Value::object();
}

// One page of `names` (sorted) after the token's name; MaxResults 1..1000.
Result<std::pair<std::vector<std::string>, std::string>, AwsError> Page(
    const std::vector<std::string>& names, const Value& in) {
  std::optional<int64_t> max = OptInt(in, "MaxResults");
  if (max && (*max < 1 || *max > 1000)) {
    return InvalidParameter("MaxResults", std::to_string(*max),
                            "MaxResults must be an integer between 1 and 1000.");
  }
  size_t start = 0;
  if (auto token = OptStr(in, "NextToken")) {
    auto after = DecodeTaggedToken(kListTag, *token);
    if (!after) return InvalidParameterValue("Invalid NextToken value.");
    start = std::upper_bound(names.begin(), names.end(), *after) - names.begin();
  }
  size_t limit = max ? static_cast<size_t>(*max) : 1000;
  size_t end = std::min(names.size(), start + limit);
  std::vector<std::string> page(names.begin() + start, names.begin() + end);
  std::string next;
  if (max && end < names.size()) next = EncodeTaggedToken(kListTag, page.back());
  return std::make_pair(std::move(page), std::move(next));
}

}  // namespace

Result<QueueRef, AwsError> ParseQueueUrl(const CallContext& call, const Value& in) {
  std::string url = Str(in, "QueueUrl");
  if (url.empty()) return MissingParameter("The request must contain the parameter QueueUrl.");
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || path == std::string::npos) return QueueDoesNotExist();
  std::string rest = url.substr(path + 1);
  size_t slash = rest.find('/');
  if (slash == std::string::npos || rest.find('/', slash + 1) != std::string::npos) {
    return QueueDoesNotExist();
  }
  return QueueRef{{rest.substr(0, slash), call.region}, rest.substr(slash + 1)};
}

std::string QueueUrl(const CallContext& call, const Scope& scope, const std::string& name) {
  return call.endpoint + "/" + scope.account + "/" + name;
}

OpResult CreateQueue(Engine& e, const CallContext& call, const Value& in) {
  std::string name = Str(in, "QueueName");
  Scope scope = ScopeOf(call);
  auto created = e.CreateQueue(scope, name, StringMap(in, "Attributes"), StringMap(in, "tags"));
  if (!created.ok()) return created.error();
  return Value{{"QueueUrl", QueueUrl(call, scope, *created)}};
}

OpResult DeleteQueue(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  return Done(e.DeleteQueue(q->scope, q->name));
}

OpResult GetQueueUrl(Engine& e, const CallContext& call, const Value& in) {
  Scope scope = ScopeOf(call);
  if (auto owner = OptStr(in, "QueueOwnerAWSAccountId")) scope.account = *owner;
  std::string name = Str(in, "QueueName");
  if (!e.Exists(scope, name)) return QueueDoesNotExist();
  return Value{{"QueueUrl", QueueUrl(call, scope, name)}};
}

OpResult ListQueues(Engine& e, const CallContext& call, const Value& in) {
  Scope scope = ScopeOf(call);
  auto page = Page(e.ListQueues(scope, Str(in, "QueueNamePrefix")), in);
  if (!page.ok()) return page.error();
  Value out = Value::object();
  if (!page->first.empty()) {
    Value urls = Value::array();
    for (const auto& n : page->first) urls.push_back(QueueUrl(call, scope, n));
    out["QueueUrls"] = std::move(urls);
  }
  if (!page->second.empty()) out["NextToken"] = page->second;
  return out;
}

OpResult GetQueueAttributes(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  auto attrs = e.GetAttributes(q->scope, q->name, StringList(in, "AttributeNames"));
  if (!attrs.ok()) return attrs.error();
  Value out = Value::object();
  if (!attrs->empty()) out["Attributes"] = ToValue(*attrs);
  return out;
}

OpResult SetQueueAttributes(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  return Done(e.SetAttributes(q->scope, q->name, StringMap(in, "Attributes")));
}

OpResult TagQueue(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  auto tags = StringMap(in, "Tags");
  if (tags.empty()) return MissingParameter("The request must contain the parameter Tags.");
  return Done(e.Tag(q->scope, q->name, tags));
}

OpResult UntagQueue(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  return Done(e.Untag(q->scope, q->name, StringList(in, "TagKeys")));
}

OpResult ListQueueTags(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  auto tags = e.Tags(q->scope, q->name);
  if (!tags.ok()) return tags.error();
  Value out = Value::object();
  if (!tags->empty()) out["Tags"] = ToValue(*tags);
  return out;
}

OpResult PurgeQueue(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  return Done(e.Purge(q->scope, q->name));
}

OpResult AddPermission(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  return Done(e.AddPermission(q->scope, q->name, Str(in, "Label"), StringList(in, "AWSAccountIds"),
                              StringList(in, "Actions")));
}

OpResult RemovePermission(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  return Done(e.RemovePermission(q->scope, q->name, Str(in, "Label")));
}

OpResult ListDeadLetterSourceQueues(Engine& e, const CallContext& call, const Value& in) {
  auto q = ParseQueueUrl(call, in);
  if (!q.ok()) return q.error();
  auto sources = e.DeadLetterSources(q->scope, q->name);
  if (!sources.ok()) return sources.error();
  auto page = Page(*sources, in);
  if (!page.ok()) return page.error();
  Value urls = Value::array();
  for (const auto& n : page->first) urls.push_back(QueueUrl(call, q->scope, n));
  Value out{{"queueUrls", std::move(urls)}};
  if (!page->second.empty()) out["NextToken"] = page->second;
  return out;
}

OpResult StartMessageMoveTask(Engine& e, const CallContext& call, const Value& in) {
  auto task = e.StartMoveTask(ScopeOf(call), Str(in, "SourceArn"), Str(in, "DestinationArn"),
                              Int(in, "MaxNumberOfMessagesPerSecond", 0));
  if (!task.ok()) return task.error();
  return Value{{"TaskHandle", task->handle}};
}

OpResult ListMessageMoveTasks(Engine& e, const CallContext& call, const Value& in) {
  std::optional<int64_t> max = OptInt(in, "MaxResults");
  if (max && (*max < 1 || *max > 10)) {
    return InvalidParameter("MaxResults", std::to_string(*max),
                            "MaxResults must be an integer between 1 and 10.");
  }
  auto tasks = e.ListMoveTasks(ScopeOf(call), Str(in, "SourceArn"));
  if (!tasks.ok()) return tasks.error();
  Value results = Value::array();
  for (const MoveTask& t : *tasks) {
    if (static_cast<int64_t>(results.size()) >= max.value_or(1)) break;
    Value r{{"Status", t.status},
            {"SourceArn", t.source_arn},
            {"ApproximateNumberOfMessagesMoved", t.moved},
            {"ApproximateNumberOfMessagesToMove", t.to_move},
            {"StartedTimestamp", t.started_ms}};
    if (t.status == "RUNNING") r["TaskHandle"] = t.handle;
    if (!t.destination_arn.empty()) r["DestinationArn"] = t.destination_arn;
    if (t.max_per_second > 0) r["MaxNumberOfMessagesPerSecond"] = t.max_per_second;
    results.push_back(std::move(r));
  }
  return Value{{"Results", std::move(results)}};
}

OpResult CancelMessageMoveTask(Engine& e, const CallContext&, const Value& in) {
  auto task = e.CancelMoveTask(Str(in, "TaskHandle"));
  if (!task.ok()) return task.error();
  return Value{{"ApproximateNumberOfMessagesMoved", task->moved}};
}

}  // namespace nimbus::sqs::ops
