// SQS's queues and messages: the state every operation and the QueueSender act on. Memory is
// the truth while serving; every change is also submitted, in order, to a group-committing
// journal (journal.h) so a restart (or kill -9) finds what was acknowledged. Sends report
// durability through their `on_durable` callback; receives, deletes and visibility changes are
// persisted behind (a crash may redeliver a message: SQS is at-least-once).
//
// Threading: every method is thread-safe (one mutex); none blocks on I/O.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/aws_error.h"
#include "core/clock.h"
#include "services/sqs/journal.h"
#include "services/sqs/queue_model.h"

namespace nimbus::sqs {

// One message to send (SendMessage, a SendMessageBatch entry, QueueSender).
struct SendRequest {
  std::string body;
  AttributeValues attributes, system_attributes;
  std::optional<int64_t> delay_seconds;
  std::string group_id, dedup_id;
};

// What ReceiveMessage returns of a message (a copy, with the new receipt handle).
struct ReceivedMessage {
  Message message;
  std::string receipt_handle;
};

struct ReceiveRequest {
  int max_messages = 1;
  std::optional<int64_t> visibility_timeout;
  std::string attempt_id;  // FIFO ReceiveRequestAttemptId
};

// What one receive attempt found.
struct ReceiveOutcome {
  std::vector<ReceivedMessage> messages;
  // When nothing was found: milliseconds until the first hidden message becomes visible, or 0
  // when none will; a `waiter` passed was registered and fires on a send.
  int64_t next_visible_in_ms = 0;
};

// A message move task (StartMessageMoveTask).
struct MoveTask {
  std::string handle, source_arn, destination_arn, status;  // COMPLETED, CANCELLED, ...
  int64_t started_ms = 0, moved = 0, to_move = 0, max_per_second = 0;
};

class Engine {
 public:
  // Loads the persisted queues from `db` (applying the schema) and starts the journal. `db` and
  // `clock` must outlive the engine.
  static Result<std::shared_ptr<Engine>> Open(store::Database& db, const Clock& clock);
  ~Engine();

  // Wakes every long poll and commits what was submitted; later sends fail Unavailable.
  void Shutdown();

  // --- queues (names are QueueName values; scope is account and region) ---
  // Creates the queue or returns the existing one when every given attribute matches.
  Result<std::string, AwsError> CreateQueue(const Scope& scope, const std::string& name,
                                            const AttributeMap& attributes,
                                            const std::map<std::string, std::string>& tags);
  std::optional<AwsError> DeleteQueue(const Scope& scope, const std::string& name);
  bool Exists(const Scope& scope, const std::string& name);
  // Queue names of `scope` starting with `prefix`, sorted.
  std::vector<std::string> ListQueues(const Scope& scope, const std::string& prefix);
  // The attributes `names` asks for ("All" for every one).
  Result<AttributeMap, AwsError> GetAttributes(const Scope& scope, const std::string& name,
                                               const std::vector<std::string>& names);
  std::optional<AwsError> SetAttributes(const Scope& scope, const std::string& name,
                                        const AttributeMap& attributes);
  std::optional<AwsError> Tag(const Scope& scope, const std::string& name,
                              const std::map<std::string, std::string>& tags);
  std::optional<AwsError> Untag(const Scope& scope, const std::string& name,
                                const std::vector<std::string>& keys);
  Result<std::map<std::string, std::string>, AwsError> Tags(const Scope& scope,
                                                            const std::string& name);
  std::optional<AwsError> Purge(const Scope& scope, const std::string& name);
  // AddPermission / RemovePermission: a Policy statement labelled `label` allowing `accounts`
  // the SQS `actions` on the queue (the queue's Policy attribute, as AWS writes it).
  std::optional<AwsError> AddPermission(const Scope& scope, const std::string& name,
                                        const std::string& label,
                                        const std::vector<std::string>& accounts,
                                        const std::vector<std::string>& actions);
  std::optional<AwsError> RemovePermission(const Scope& scope, const std::string& name,
                                           const std::string& label);
  // Names of the queues of `scope` whose RedrivePolicy targets queue `name`.
  Result<std::vector<std::string>, AwsError> DeadLetterSources(const Scope& scope,
                                                               const std::string& name);
  // The queue's ReceiveMessageWaitTimeSeconds (a receive's default wait), or QueueDoesNotExist.
  Result<int64_t, AwsError> DefaultWaitSeconds(const Scope& scope, const std::string& name);
  // The ARN of queue `name` (for callers resolving URLs), or QueueDoesNotExist.
  Result<std::string, AwsError> ArnOf(const Scope& scope, const std::string& name);

  // --- messages ---
  // Sends each request; per entry the sent message (its id, MD5s, sequence number) or its
  // error. Fails as a whole only when the queue does not exist. `on_durable` is called (on the
  // journal's thread) once every accepted entry is committed, with the commit's status.
  using SendResults = std::vector<Result<Message, AwsError>>;
  Result<SendResults, AwsError> Send(const Scope& scope, const std::string& name,
                                     const std::vector<SendRequest>& requests,
                                     const std::string& sender_id, Journal::Done on_durable);
  // Receives up to max_messages visible messages. When none is visible and `waiter` is set,
  // registers it on the queue (atomically with the check) to be notified by the next send.
  Result<ReceiveOutcome, AwsError> Receive(const Scope& scope, const std::string& name,
                                           const ReceiveRequest& request,
                                           const std::shared_ptr<Waiter>& waiter);
  std::optional<AwsError> DeleteMessage(const Scope& scope, const std::string& name,
                                        const std::string& receipt_handle);
  std::optional<AwsError> ChangeVisibility(const Scope& scope, const std::string& name,
                                           const std::string& receipt_handle, int64_t seconds);

  // --- message move tasks (redrive from a DLQ) ---
  Result<MoveTask, AwsError> StartMoveTask(const Scope& scope, const std::string& source_arn,
                                           const std::string& destination_arn,
                                           int64_t max_per_second);
  Result<std::vector<MoveTask>, AwsError> ListMoveTasks(const Scope& scope,
                                                        const std::string& source_arn);
  Result<MoveTask, AwsError> CancelMoveTask(const std::string& handle);

 private:
  Engine(store::Database& db, const Clock& clock);
  Queue* Find(const Scope& scope, const std::string& name);  // mu_ held
  Queue* FindByArn(const std::string& arn);                  // mu_ held
  // Drops expired messages, dedup entries and attempts, and moves messages past their
  // queue's maxReceiveCount to its DLQ. mu_ held.
  void Sweep(Queue& q, int64_t now_ms);
  void MoveToDeadLetter(Queue& from, Queue& dlq, Message m);  // mu_ held
  // The RedrivePolicy in `attributes` of queue `source_arn`: its target must exist, be of the
  // same kind and allow the source (RedriveAllowPolicy). mu_ held.
  std::optional<AwsError> CheckDeadLetterTarget(const AttributeMap& attributes,
                                                const std::string& source_arn, bool fifo);
  // Adds `m` to `q` (seq assigned), journals it and wakes one long poll. mu_ held.
  Message& Append(Queue& q, Message m, Journal::Done done);
  void WakeAll(Queue& q);  // mu_ held
  // Wakes the oldest long poll still waiting (one message for one poll). mu_ held.
  void WakeOne(Queue& q);
  // Journals a message's new state or its removal (coalesced within a commit).
  void JournalUpdate(int64_t queue_id, const Message& m);
  void JournalDelete(int64_t queue_id, uint64_t seq);
  Message* FindByReceipt(Queue& q, const std::string& handle, AwsError& error);  // mu_ held

  store::Database& db_;
  const Clock& clock_;
  Journal journal_;
  std::mutex mu_;
  bool stopping_ = false;
  int64_t next_queue_id_ = 1;
  std::map<std::string, std::unique_ptr<Queue>> queues_;  // by ScopedKey(scope, name) (kit)
  std::map<std::string, int64_t> deleted_ms_;             // recently deleted names
  std::map<std::string, MoveTask> move_tasks_;            // by handle
};

}  // namespace nimbus::sqs
