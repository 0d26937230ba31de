// Engine: opening, queues and their attributes (messages are in engine_messages.cc).
#include "services/sqs/engine.h"

#include <nlohmann/json.hpp>

#include "services/kit/arn.h"
#include "services/kit/scoped_key.h"
#include "services/sqs/errors.h"
#include "services/sqs/queue_store.h"

namespace nimbus::sqs {
namespace {

constexpr int64_t kRecreateWaitMs = 60 * 1000;
constexpr int64_t kPurgeIntervalMs = 60 * 1000;

bool ValidQueueName(const std::string& name, bool fifo) {
  std::string base = fifo ? name.substr(0, name.size() - 5) : name;
  if (name.empty() || name.size() > 80 || base.empty()) return false;
  for (char c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

Engine::Engine(store::Database& db, const Clock& clock) : db_(db), clock_(clock), journal_(db) {}

Engine::~Engine() { Shutdown(); }

Result<std::shared_ptr<Engine>> Engine::Open(store::Database& db, const Clock& clock) {
  NIMBUS_RETURN_IF_ERROR(queue_store::Migrate(db));
  auto queues = queue_store::LoadQueues(db);
  if (!queues.ok()) return queues.error();
  std::shared_ptr<Engine> engine(new Engine(db, clock));
  for (auto& q : *queues) {
    q->arn = MakeArn("sqs", q->scope, q->name);
    engine->next_queue_id_ = std::max(engine->next_queue_id_, q->id + 1);
    std::string key = ScopedKey(q->scope, q->name);
    engine->queues_[key] = std::move(q);
  }
  return engine;
}

void Engine::Shutdown() {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [key, q] : queues_) {
      for (auto& w : q->waiters) waiters.push_back(std::move(w));
      q->waiters.clear();
    }
  }
  for (auto& w : waiters) w->Notify();
  journal_.Stop();
}

Queue* Engine::Find(const Scope& scope, const std::string& name) {
  auto it = queues_.find(ScopedKey(scope, name));
  return it == queues_.end() ? nullptr : it->second.get();
}

Queue* Engine::FindByArn(const std::string& arn) {
  auto parsed = ParseArn(arn);
  if (!parsed || parsed->service != "sqs") return nullptr;
  return Find(parsed->scope, parsed->resource);
}

std::optional<AwsError> Engine::CheckDeadLetterTarget(const AttributeMap& attributes,
                                                      const std::string& source_arn, bool fifo) {
  auto p = ParseRedrivePolicy(attributes);
  if (!p) return std::nullopt;
  Queue* dlq = FindByArn(p->dead_letter_target_arn);
  const std::string& policy = attributes.at("RedrivePolicy");
  if (dlq == nullptr || dlq->fifo != fifo) {
    return InvalidParameter("RedrivePolicy", policy, "Dead-letter target does not exist.");
  }
  if (!RedriveAllowed(dlq->attributes, source_arn)) {
    return InvalidParameter("RedrivePolicy", policy,
                            "Queue " + dlq->arn + " does not allow " + source_arn +
                                " to use it as a dead-letter queue (RedriveAllowPolicy).");
  }
  return std::nullopt;
}

Result<std::string, AwsError> Engine::CreateQueue(const Scope& scope, const std::string& name,
                                                  const AttributeMap& attributes,
                                                  const std::map<std::string, std::string>& tags) {
  bool fifo = name.ends_with(".fifo");
  auto fifo_attr = attributes.find("FifoQueue");
  bool fifo_requested =
      fifo_attr != attributes.end() && (fifo_attr->second == "true" || fifo_attr->second == "True");
  if (!ValidQueueName(name, fifo && fifo_requested) || (fifo_requested && !fifo)) {
    return InvalidParameterValue(
        fifo_requested || fifo
            ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
              "underscores, must end with .fifo suffix and be 1 to 80 in length."
            : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
              "length");
  }
  fifo = fifo_requested;
  auto valid = ValidateQueueAttributes(attributes, fifo, /*creating=*/true);
  if (!valid.ok()) return valid.error();
  if (tags.size() > 50) return InvalidParameterValue("Too many tags added for queue " + name + ".");
  std::lock_guard lock(mu_);
  if (Queue* q = Find(scope, name)) {
    for (const auto& [k, v] : *valid) {
      auto it = q->attributes.find(k);
      if (it == q->attributes.end() || it->second != v) {
        return AwsError("QueueAlreadyExists",
                        "A queue already exists with the same name and a different value for "
                        "attribute " +
                            k);
      }
    }
    return q->name;
  }
  int64_t now_ms = clock_.NowMillis();
  std::string key = ScopedKey(scope, name);
  if (auto d = deleted_ms_.find(key); d != deleted_ms_.end()) {
    if (now_ms - d->second < kRecreateWaitMs) {
      return AwsError("AWS.SimpleQueueService.QueueDeletedRecently",
                      "You must wait 60 seconds after deleting a queue before you can create "
                      "another queue with the same name.");
    }
    deleted_ms_.erase(d);
  }
  auto q = std::make_unique<Queue>();
  q->id = next_queue_id_++;
  q->scope = scope;
  q->name = name;
  q->arn = MakeArn("sqs", scope, name);
  q->fifo = fifo;
  q->attributes = DefaultQueueAttributes(fifo);
  for (const auto& [k, v] : *valid) q->attributes[k] = v;
  if (auto error = CheckDeadLetterTarget(q->attributes, q->arn, fifo)) return *error;
  q->tags = tags;
  q->created_s = q->modified_s = now_ms / 1000;
  journal_.Submit([copy = *q](store::Database& db) { return queue_store::PutQueue(db, copy); });
  std::string out = q->name;
  queues_[key] = std::move(q);
  return out;
}

std::optional<AwsError> Engine::DeleteQueue(const Scope& scope, const std::string& name) {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mu_);
    auto it = queues_.find(ScopedKey(scope, name));
    if (it == queues_.end()) return QueueDoesNotExist();
    waiters.assign(std::make_move_iterator(it->second->waiters.begin()),
                   std::make_move_iterator(it->second->waiters.end()));
    int64_t id = it->second->id;
    journal_.Submit([id](store::Database& db) { return queue_store::DeleteQueue(db, id); });
    deleted_ms_[it->first] = clock_.NowMillis();
    queues_.erase(it);
  }
  for (auto& w : waiters) w->Notify();
  return std::nullopt;
}

bool Engine::Exists(const Scope& scope, const std::string& name) {
  std::lock_guard lock(mu_);
  return Find(scope, name) != nullptr;
}

Result<std::string, AwsError> Engine::ArnOf(const Scope& scope, const std::string& name) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  return q->arn;
}

Result<int64_t, AwsError> Engine::DefaultWaitSeconds(const Scope& scope, const std::string& name) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  return IntAttribute(q->attributes, "ReceiveMessageWaitTimeSeconds", 0);
}

std::vector<std::string> Engine::ListQueues(const Scope& scope, const std::string& prefix) {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  std::string start = ScopedKey(scope, prefix);
  for (auto it = queues_.lower_bound(start); it != queues_.end(); ++it) {
    if (!it->first.starts_with(start)) break;
    names.push_back(it->second->name);
  }
  return names;
}

Result<AttributeMap, AwsError> Engine::GetAttributes(const Scope& scope, const std::string& name,
                                                     const std::vector<std::string>& names) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  int64_t now = clock_.NowMillis();
  AttributeMap all = q->attributes;
  int64_t visible = 0, hidden = 0, delayed = 0;
  for (const auto& [seq, m] : q->messages) {
    if (m.visible_at_ms <= now) {
      ++visible;
    } else if (m.receive_count > 0) {
      ++hidden;
    } else {
      ++delayed;
    }
  }
  all["ApproximateNumberOfMessages"] = std::to_string(visible);
  all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(hidden);
  all["ApproximateNumberOfMessagesDelayed"] = std::to_string(delayed);
  all["CreatedTimestamp"] = std::to_string(q->created_s);
  all["LastModifiedTimestamp"] = std::to_string(q->modified_s);
  all["QueueArn"] = q->arn;
  for (const char* empty : {"RedrivePolicy", "RedriveAllowPolicy", "Policy", "KmsMasterKeyId"}) {
    if (auto it = all.find(empty); it != all.end() && it->second.empty()) all.erase(it);
  }
  AttributeMap out;
  for (const std::string& n : names) {
    if (n == "All") return all;
    auto it = all.find(n);
    if (it != all.end()) {
      out[n] = it->second;
      continue;
    }
    static const char* kKnown[] = {"Policy",
                                   "RedrivePolicy",
                                   "RedriveAllowPolicy",
                                   "KmsMasterKeyId",
                                   "KmsDataKeyReusePeriodSeconds",
                                   "FifoQueue",
                                   "ContentBasedDeduplication",
                                   "DeduplicationScope",
                                   "FifoThroughputLimit"};
    bool known = false;
    for (const char* k : kKnown) known = known || n == k;
    if (!known) return InvalidAttributeName(n);
  }
  return out;
}

std::optional<AwsError> Engine::SetAttributes(const Scope& scope, const std::string& name,
                                              const AttributeMap& attributes) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  auto valid = ValidateQueueAttributes(attributes, q->fifo, /*creating=*/false);
  if (!valid.ok()) return valid.error();
  AttributeMap next = q->attributes;
  for (const auto& [k, v] : *valid) next[k] = v;
  if (valid->contains("RedrivePolicy")) {
    if (auto error = CheckDeadLetterTarget(next, q->arn, q->fifo)) return *error;
  }
  q->attributes = std::move(next);
  q->modified_s = clock_.NowMillis() / 1000;
  journal_.Submit([copy = *q](store::Database& db) { return queue_store::PutQueue(db, copy); });
  WakeAll(*q);  // a shorter visibility or delay may make messages receivable sooner
  return std::nullopt;
}

std::optional<AwsError> Engine::Tag(const Scope& scope, const std::string& name,
                                    const std::map<std::string, std::string>& tags) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  auto next = q->tags;
  for (const auto& [k, v] : tags) next[k] = v;
  if (next.size() > 50) return InvalidParameterValue("Too many tags added for queue " + name + ".");
  q->tags = std::move(next);
  journal_.Submit([copy = *q](store::Database& db) { return queue_store::PutQueue(db, copy); });
  return std::nullopt;
}

std::optional<AwsError> Engine::Untag(const Scope& scope, const std::string& name,
                                      const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  for (const auto& k : keys) q->tags.erase(k);
  journal_.Submit([copy = *q](store::Database& db) { return queue_store::PutQueue(db, copy); });
  return std::nullopt;
}

Result<std::map<std::string, std::string>, AwsError> Engine::Tags(const Scope& scope,
                                                                  const std::string& name) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  return q->tags;
}

std::optional<AwsError> Engine::Purge(const Scope& scope, const std::string& name) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  int64_t now = clock_.NowMillis();
  if (q->last_purge_ms >= 0 && now - q->last_purge_ms < kPurgeIntervalMs) {
    return AwsError("AWS.SimpleQueueService.PurgeQueueInProgress",
                    "Only one PurgeQueue operation on " + name + " is allowed every 60 seconds.",
                    403);
  }
  q->last_purge_ms = now;
  if (!q->messages.empty()) {
    uint64_t up_to = q->messages.rbegin()->first;
    q->messages.clear();
    journal_.Submit([id = q->id, up_to](store::Database& db) {
      return queue_store::PurgeMessages(db, id, up_to);
    });
  }
  return std::nullopt;
}

std::optional<AwsError> Engine::AddPermission(const Scope& scope, const std::string& name,
                                              const std::string& label,
                                              const std::vector<std::string>& accounts,
                                              const std::vector<std::string>& actions) {
  if (label.empty() || label.size() > 80) {
    return InvalidParameter("Label", label, "Must be 1 to 80 characters.");
  }
  if (accounts.empty()) {
    return MissingParameter("The request must contain the parameter AWSAccountIds.");
  }
  if (actions.empty()) return MissingParameter("The request must contain the parameter Actions.");
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  nlohmann::json policy = nlohmann::json::parse(q->attributes["Policy"], nullptr, false);
  if (!policy.is_object()) {
    policy = {{"Version", "2012-10-17"},
              {"Id", q->arn + "/SQSDefaultPolicy"},
              {"Statement", nlohmann::json::array()}};
  }
  nlohmann::json& statements = policy["Statement"];
  if (!statements.is_array()) statements = nlohmann::json::array();
  for (const auto& st : statements) {
    if (st.is_object() && st.value("Sid", "") == label) {
      return InvalidParameter("Label", label, "Already exists.");
    }
  }
  nlohmann::json principals = nlohmann::json::array(), verbs = nlohmann::json::array();
  for (const auto& a : accounts) principals.push_back("arn:aws:iam::" + a + ":root");
  for (const auto& a : actions) verbs.push_back("SQS:" + a);
  statements.push_back({{"Sid", label},
                        {"Effect", "Allow"},
                        {"Principal", {{"AWS", principals}}},
                        {"Action", verbs},
                        {"Resource", q->arn}});
  q->attributes["Policy"] = policy.dump();
  journal_.Submit([copy = *q](store::Database& db) { return queue_store::PutQueue(db, copy); });
  return std::nullopt;
}

std::optional<AwsError> Engine::RemovePermission(const Scope& scope, const std::string& name,
                                                 const std::string& label) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  nlohmann::json policy = nlohmann::json::parse(q->attributes["Policy"], nullptr, false);
  auto statements = policy.is_object() ? policy.find("Statement") : policy.end();
  bool found = false;
  if (policy.is_object() && statements != policy.end() && statements->is_array()) {
    for (auto it = statements->begin(); it != statements->end(); ++it) {
      if (it->is_object() && it->value("Sid", "") == label) {
        statements->erase(it);
        found = true;
        break;
      }
    }
  }
  if (!found) return InvalidParameter("Label", label, "can't find label on existing policy.");
  q->attributes["Policy"] = statements->empty() ? "" : policy.dump();
  journal_.Submit([copy = *q](store::Database& db) { return queue_store::PutQueue(db, copy); });
  return std::nullopt;
}

Result<std::vector<std::string>, AwsError> Engine::DeadLetterSources(const Scope& scope,
                                                                     const std::string& name) {
  std::lock_guard lock(mu_);
  Queue* dlq = Find(scope, name);
  if (dlq == nullptr) return QueueDoesNotExist();
  std::vector<std::string> names;
  for (const auto& [key, q] : queues_) {
    auto p = ParseRedrivePolicy(q->attributes);
    if (p && p->dead_letter_target_arn == dlq->arn) names.push_back(q->name);
  }
  return names;
}

}  // namespace nimbus::sqs
