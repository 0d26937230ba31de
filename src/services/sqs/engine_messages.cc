// Engine: sending, receiving, deleting and hiding messages; dead-letter moves and move tasks.
#include <cinttypes>
#include <cstdio>

#include "core/ids.h"
#include "protocol/wire.h"
#include "services/sqs/api/queue_sender.h"
#include "services/sqs/engine.h"
#include "services/sqs/errors.h"
#include "services/sqs/message_md5.h"
#include "services/sqs/message_rules.h"
#include "services/sqs/queue_store.h"
#include "store/sha256.h"

namespace nimbus::sqs {
namespace {

constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;
constexpr uint64_t kSequenceBase = 18000000000000000000ULL;

std::string ReceiptHandle(const Queue& q, const Message& m) {
  return wire::Base64Encode("nimbus:" + std::to_string(q.id) + ":" + std::to_string(m.seq) + ":" +
                            m.receipt_nonce);
}

// The queue id, seq and nonce of a receipt handle; false when it is not one of ours.
bool ParseReceipt(const std::string& handle, int64_t& queue_id, uint64_t& seq, std::string& nonce) {
  auto raw = wire::Base64Decode(handle);
  if (!raw || !raw->starts_with("nimbus:")) return false;
  unsigned long long q = 0, s = 0;
  char n[64] = {0};
  if (std::sscanf(raw->c_str() + 7, "%llu:%llu:%63s", &q, &s, n) != 3) return false;
  queue_id = static_cast<int64_t>(q);
  seq = s;
  nonce = n;
  return true;
}

std::optional<AwsError> CheckRequest(const Queue& q, const SendRequest& r) {
  if (auto e = CheckBody(r.body)) return e;
  if (auto e = CheckAttributes(r.attributes)) return e;
  if (auto e = CheckSystemAttributes(r.system_attributes)) return e;
  int64_t max = IntAttribute(q.attributes, "MaximumMessageSize", kMaxMessageBytes);
  if (MessageSize(r.body, r.attributes) > static_cast<size_t>(max)) {
    return InvalidParameterValue(
        "One or more parameters are invalid. Reason: Message must be shorter than " +
        std::to_string(max) + " bytes.");
  }
  if (r.delay_seconds) {
    if (*r.delay_seconds < 0 || *r.delay_seconds > 900) {
      return InvalidParameter("DelaySeconds", std::to_string(*r.delay_seconds),
                              "DelaySeconds must be >= 0 and <= 900.");
    }
    if (q.fifo) {
      return InvalidParameter("DelaySeconds", std::to_string(*r.delay_seconds),
                              "The request include parameter that is not valid for this queue "
                              "type.");
    }
  }
  if (!q.fifo) {
    if (!r.dedup_id.empty()) {
      return InvalidParameter("MessageDeduplicationId", r.dedup_id,
                              "The request include parameter that is not valid for this queue "
                              "type.");
    }
    return std::nullopt;
  }
  if (r.group_id.empty()) {
    return MissingParameter("The request must contain the parameter MessageGroupId.");
  }
  for (const std::string* id : {&r.group_id, &r.dedup_id}) {
    bool ok = id->size() <= 128;
    for (char c : *id) ok = ok && c > 0x20 && c < 0x7f;
    if (!ok) {
      return InvalidParameter(id == &r.group_id ? "MessageGroupId" : "MessageDeduplicationId", *id,
                              "It must be 1 to 128 alphanumeric or punctuation characters.");
    }
  }
  if (r.dedup_id.empty() && q.attributes.at("ContentBasedDeduplication") != "true") {
    return InvalidParameterValue(
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly");
  }
  return std::nullopt;
}

}  // namespace

void Engine::JournalUpdate(int64_t queue_id, const Message& m) {
  journal_.Submit(
      [queue_id, copy = m](store::Database& db) {
        return queue_store::UpdateMessageState(db, queue_id, copy);
      },
      nullptr, {queue_id, m.seq}, Journal::Kind::kUpdate);
}

void Engine::JournalDelete(int64_t queue_id, uint64_t seq) {
  journal_.Submit(
      [queue_id, seq](store::Database& db) {
        return queue_store::DeleteMessage(db, queue_id, seq);
      },
      nullptr, {queue_id, seq}, Journal::Kind::kDelete);
}

void Engine::WakeAll(Queue& q) {
  for (auto& w : q.waiters) w->Notify();
  q.waiters.clear();
}

void Engine::WakeOne(Queue& q) {
  while (!q.waiters.empty()) {
    std::shared_ptr<Waiter> w = std::move(q.waiters.front());
    q.waiters.pop_front();
    if (w->Notify()) return;
  }
}

Message& Engine::Append(Queue& q, Message m, Journal::Done done) {
  m.seq = q.next_seq++;
  if (q.fifo) m.sequence_number = std::to_string(kSequenceBase + m.seq);
  auto [it, inserted] = q.messages.emplace(m.seq, std::move(m));
  journal_.Submit([id = q.id, copy = it->second](
                      store::Database& db) { return queue_store::InsertMessage(db, id, copy); },
                  std::move(done), {q.id, it->second.seq}, Journal::Kind::kInsert);
  WakeOne(q);
  return it->second;
}

Result<Engine::SendResults, AwsError> Engine::Send(const Scope& scope, const std::string& name,
                                                   const std::vector<SendRequest>& requests,
                                                   const std::string& sender_id,
                                                   Journal::Done on_durable) {
  std::unique_lock lock(mu_);
  if (stopping_) return AwsError("ServiceUnavailable", "nimbus is shutting down", 503, false);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  int64_t now = clock_.NowMillis();
  SendResults results;
  results.reserve(requests.size());
  for (const SendRequest& r : requests) {
    if (auto e = CheckRequest(*q, r)) {
      results.emplace_back(*e);
      continue;
    }
    Message m;
    m.body = r.body;
    m.md5_of_body = Md5Hex(r.body);
    m.attributes = r.attributes;
    m.md5_of_attributes = AttributesMd5(r.attributes);
    m.system_attributes = r.system_attributes;
    m.md5_of_system_attributes = AttributesMd5(r.system_attributes);
    m.group_id = r.group_id;
    m.sender_id = sender_id;
    m.sent_ms = now;
    if (q->fifo) {
      m.dedup_id = r.dedup_id.empty() ? store::Hasher::Hex(r.body) : r.dedup_id;
      std::string key = (q->attributes["DeduplicationScope"] == "messageGroup" ? r.group_id + '\n'
                                                                               : std::string()) +
                        m.dedup_id;
      auto d = q->dedup.find(key);
      if (d != q->dedup.end() && d->second.expires_ms > now) {
        m.id = d->second.message_id;  // a duplicate: accepted, not enqueued
        m.sequence_number = d->second.sequence_number;
        results.emplace_back(std::move(m));
        continue;
      }
      m.id = NewUuid();
      m.visible_at_ms = now + IntAttribute(q->attributes, "DelaySeconds", 0) * 1000;
      Message& added = Append(*q, std::move(m), nullptr);
      DedupEntry entry{now + kDedupWindowMs, added.id, added.sequence_number};
      q->dedup[key] = entry;
      journal_.Submit([id = q->id, key, entry](store::Database& db) {
        return queue_store::PutDedup(db, id, key, entry);
      });
      results.emplace_back(added);
      continue;
    }
    m.id = NewUuid();
    int64_t delay =
        r.delay_seconds ? *r.delay_seconds : IntAttribute(q->attributes, "DelaySeconds", 0);
    m.visible_at_ms = now + delay * 1000;
    results.emplace_back(Append(*q, std::move(m), nullptr));
  }
  // Writes commit in order: a no-op submitted last is durable only after every insert above.
  journal_.Submit([](store::Database&) { return Status(); }, std::move(on_durable));
  return results;
}

void Engine::MoveToDeadLetter(Queue& from, Queue& dlq, Message m) {
  JournalDelete(from.id, m.seq);
  m.dead_letter_source_arn = from.arn;
  m.receive_count = 0;
  m.first_receive_ms = 0;
  m.receipt_nonce.clear();
  m.visible_at_ms = clock_.NowMillis();
  Append(dlq, std::move(m), nullptr);
}

Result<ReceiveOutcome, AwsError> Engine::Receive(const Scope& scope, const std::string& name,
                                                 const ReceiveRequest& request,
                                                 const std::shared_ptr<Waiter>& waiter) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  ReceiveOutcome out;
  if (stopping_) return out;
  int64_t now = clock_.NowMillis();
  int64_t visibility = request.visibility_timeout
                           ? *request.visibility_timeout
                           : IntAttribute(q->attributes, "VisibilityTimeout", 30);
  int64_t retention_ms = IntAttribute(q->attributes, "MessageRetentionPeriod", 345600) * 1000;
  auto redrive = ParseRedrivePolicy(q->attributes);
  Queue* dlq = redrive ? FindByArn(redrive->dead_letter_target_arn) : nullptr;

  auto deliver = [&](Message& m) {
    m.receive_count++;
    if (m.first_receive_ms == 0) m.first_receive_ms = now;
    m.visible_at_ms = now + visibility * 1000;
    m.receipt_nonce = RandomHex(16);
    JournalUpdate(q->id, m);
    out.messages.push_back({m, ReceiptHandle(*q, m)});
  };

  // A FIFO retry with the same ReceiveRequestAttemptId gets the same messages again.
  if (q->fifo && !request.attempt_id.empty()) {
    auto a = q->attempts.find(request.attempt_id);
    if (a != q->attempts.end() && a->second.expires_ms > now) {
      for (uint64_t seq : a->second.seqs) {
        auto it = q->messages.find(seq);
        if (it == q->messages.end()) continue;
        it->second.visible_at_ms = now + visibility * 1000;
        out.messages.push_back({it->second, ReceiptHandle(*q, it->second)});
      }
      return out;
    }
  }

  std::vector<std::string> blocked_groups;  // FIFO: groups with a hidden message ahead
  int64_t next_visible = 0;
  for (auto it = q->messages.begin();
       it != q->messages.end() && static_cast<int>(out.messages.size()) < request.max_messages;) {
    Message& m = it->second;
    if (m.sent_ms + retention_ms <= now) {  // past the retention period: gone
      JournalDelete(q->id, m.seq);
      it = q->messages.erase(it);
      continue;
    }
    bool group_blocked = false;
    if (q->fifo) {
      for (const auto& g : blocked_groups) group_blocked = group_blocked || g == m.group_id;
    }
    if (group_blocked) {
      ++it;
      continue;
    }
    if (m.visible_at_ms > now) {
      if (q->fifo) blocked_groups.push_back(m.group_id);
      if (next_visible == 0 || m.visible_at_ms < next_visible) next_visible = m.visible_at_ms;
      ++it;
      continue;
    }
    if (dlq != nullptr && dlq != q && m.receive_count >= redrive->max_receive_count) {
      Message moved = std::move(m);
      it = q->messages.erase(it);
      MoveToDeadLetter(*q, *dlq, std::move(moved));
      continue;
    }
    deliver(m);
    ++it;
  }
  if (q->fifo && !request.attempt_id.empty() && !out.messages.empty()) {
    ReceiveAttempt& a = q->attempts[request.attempt_id];
    a.expires_ms = now + kDedupWindowMs;
    a.seqs.clear();
    for (const auto& r : out.messages) a.seqs.push_back(r.message.seq);
  }
  if (q->attempts.size() > 1000) {
    std::erase_if(q->attempts, [&](const auto& kv) { return kv.second.expires_ms <= now; });
  }
  if (q->dedup.size() > 10000) {
    std::erase_if(q->dedup, [&](const auto& kv) { return kv.second.expires_ms <= now; });
  }
  if (out.messages.empty()) {
    out.next_visible_in_ms = next_visible > 0 ? std::max<int64_t>(1, next_visible - now) : 0;
    if (waiter) {
      // Drop polls that ended without a wake-up.
      std::erase_if(q->waiters, [](const auto& w) { return !w->pending(); });
      q->waiters.push_back(waiter);
    }
  }
  return out;
}

Message* Engine::FindByReceipt(Queue& q, const std::string& handle, AwsError& error) {
  int64_t queue_id = 0;
  uint64_t seq = 0;
  std::string nonce;
  if (!ParseReceipt(handle, queue_id, seq, nonce) || queue_id != q.id) {
    error = ReceiptHandleIsInvalid(handle);
    return nullptr;
  }
  auto it = q.messages.find(seq);
  if (it == q.messages.end() || it->second.receipt_nonce != nonce) return nullptr;
  return &it->second;
}

std::optional<AwsError> Engine::DeleteMessage(const Scope& scope, const std::string& name,
                                              const std::string& receipt_handle) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  AwsError error;
  Message* m = FindByReceipt(*q, receipt_handle, error);
  if (!error.code.empty()) return error;
  if (m == nullptr) return std::nullopt;  // already gone, or received again since: succeeds
  JournalDelete(q->id, m->seq);
  bool fifo = q->fifo;
  q->messages.erase(m->seq);
  if (fifo) WakeOne(*q);  // the group's next message may be receivable
  return std::nullopt;
}

std::optional<AwsError> Engine::ChangeVisibility(const Scope& scope, const std::string& name,
                                                 const std::string& receipt_handle,
                                                 int64_t seconds) {
  std::lock_guard lock(mu_);
  Queue* q = Find(scope, name);
  if (q == nullptr) return QueueDoesNotExist();
  if (seconds < 0 || seconds > 43200) {
    return InvalidParameter("VisibilityTimeout", std::to_string(seconds),
                            "VisibilityTimeout must be an integer between 0 and 43200");
  }
  AwsError error;
  Message* m = FindByReceipt(*q, receipt_handle, error);
  if (!error.code.empty()) return error;
  int64_t now = clock_.NowMillis();
  if (m == nullptr) {
    return InvalidParameter("ReceiptHandle", receipt_handle,
                            "Message does not exist or is not available for visibility timeout "
                            "change.");
  }
  if (m->visible_at_ms <= now) {
    return AwsError("AWS.SimpleQueueService.MessageNotInflight", "Message is not in flight.");
  }
  m->visible_at_ms = now + seconds * 1000;
  JournalUpdate(q->id, *m);
  if (seconds == 0) WakeOne(*q);
  return std::nullopt;
}

Result<MoveTask, AwsError> Engine::StartMoveTask(const Scope& scope, const std::string& source_arn,
                                                 const std::string& destination_arn,
                                                 int64_t max_per_second) {
  std::lock_guard lock(mu_);
  Queue* source = FindByArn(source_arn);
  if (source == nullptr || source->scope.account != scope.account) {
    return ResourceNotFound("SourceArn");
  }
  bool is_dlq = false;
  for (const auto& [key, q] : queues_) {
    auto p = ParseRedrivePolicy(q->attributes);
    is_dlq = is_dlq || (p && p->dead_letter_target_arn == source_arn);
  }
  if (!is_dlq) {
    return InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.");
  }
  Queue* destination = nullptr;
  if (!destination_arn.empty()) {
    destination = FindByArn(destination_arn);
    if (destination == nullptr) {
      return ResourceNotFound("DestinationArn");
    }
  }
  if (max_per_second < 0 || max_per_second > 500) {
    return InvalidParameter("MaxNumberOfMessagesPerSecond", std::to_string(max_per_second),
                            "MaxNumberOfMessagesPerSecond must be between 1 and 500.");
  }
  MoveTask task;
  task.handle = wire::Base64Encode(NewUuid() + "\n" + source_arn);
  task.source_arn = source_arn;
  task.destination_arn = destination_arn;
  task.started_ms = clock_.NowMillis();
  task.max_per_second = max_per_second;
  task.to_move = static_cast<int64_t>(source->messages.size());
  // Moves what is in the queue now, each message to the destination or back to its source.
  for (auto it = source->messages.begin(); it != source->messages.end();) {
    Queue* target =
        destination != nullptr ? destination : FindByArn(it->second.dead_letter_source_arn);
    if (target == nullptr || target == source) {
      ++it;
      continue;
    }
    Message m = std::move(it->second);
    it = source->messages.erase(it);
    JournalDelete(source->id, m.seq);
    m.dead_letter_source_arn.clear();
    m.receive_count = 0;
    m.first_receive_ms = 0;
    m.receipt_nonce.clear();
    m.visible_at_ms = task.started_ms;
    Append(*target, std::move(m), nullptr);
    ++task.moved;
  }
  task.status = "COMPLETED";
  move_tasks_[task.handle] = task;
  return task;
}

Result<std::vector<MoveTask>, AwsError> Engine::ListMoveTasks(const Scope& scope,
                                                              const std::string& source_arn) {
  std::lock_guard lock(mu_);
  Queue* source = FindByArn(source_arn);
  if (source == nullptr || source->scope.account != scope.account) {
    return ResourceNotFound("SourceArn");
  }
  std::vector<MoveTask> tasks;
  for (const auto& [handle, t] : move_tasks_) {
    if (t.source_arn == source_arn) tasks.push_back(t);
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const MoveTask& a, const MoveTask& b) { return a.started_ms > b.started_ms; });
  return tasks;
}

Result<MoveTask, AwsError> Engine::CancelMoveTask(const std::string& handle) {
  std::lock_guard lock(mu_);
  auto it = move_tasks_.find(handle);
  if (it == move_tasks_.end()) {
    return AwsError("ResourceNotFoundException", "Task does not exist.", 404);
  }
  if (it->second.status != "RUNNING") {
    return AwsError("AWS.SimpleQueueService.UnsupportedOperation",
                    "Only active tasks can be cancelled.");
  }
  it->second.status = "CANCELLED";
  return it->second;
}

}  // namespace nimbus::sqs
