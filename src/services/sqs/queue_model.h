// SQS's in-memory state: queues and their messages, as the engine (engine.h) keeps them and
// the store (queue_store.h) persists them. Plain data; the engine's mutex guards it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/waiter.h"
#include "services/kit/scope.h"
#include "services/sqs/api/queue_sender.h"
#include "services/sqs/queue_attributes.h"

namespace nimbus::sqs {

using AttributeValues = std::map<std::string, MessageAttribute>;

struct Message {
  uint64_t seq = 0;  // order in its queue (send order); the store's key with the queue id
  std::string id;    // MessageId (a UUID)
  std::string body;
  std::string md5_of_body;
  AttributeValues attributes;         // MessageAttributes
  std::string md5_of_attributes;      // "" when none
  AttributeValues system_attributes;  // MessageSystemAttributes (AWSTraceHeader)
  std::string md5_of_system_attributes;
  std::string group_id, dedup_id, sequence_number;  // FIFO
  std::string sender_id;
  std::string dead_letter_source_arn;  // set when moved to a DLQ
  int64_t sent_ms = 0;
  int64_t visible_at_ms = 0;  // hidden until then (delay or visibility timeout)
  int64_t first_receive_ms = 0;
  int64_t receive_count = 0;
  std::string receipt_nonce;  // of the latest receive; "" when never received
};

// A FIFO send remembered for 5 minutes: a duplicate returns these ids.
struct DedupEntry {
  int64_t expires_ms = 0;
  std::string message_id, sequence_number;
};

// A FIFO ReceiveRequestAttemptId remembered for 5 minutes: a retry returns the same messages.
struct ReceiveAttempt {
  int64_t expires_ms = 0;
  std::vector<uint64_t> seqs;
};

struct Queue {
  int64_t id = 0;  // the store's key
  Scope scope;
  std::string name, arn;
  bool fifo = false;
  AttributeMap attributes;  // settable attributes, defaults included
  std::map<std::string, std::string> tags;
  int64_t created_s = 0, modified_s = 0;
  std::map<uint64_t, Message> messages;  // by seq
  uint64_t next_seq = 1;
  int64_t last_purge_ms = -1;
  std::map<std::string, DedupEntry> dedup;  // FIFO: by deduplication id (scoped key)
  std::map<std::string, ReceiveAttempt> attempts;
  // Long polls parked on this queue, oldest first: a message sent or made visible wakes one
  // (Waiter::WaitOnce: a poll that ended is skipped), a queue change all.
  std::deque<std::shared_ptr<Waiter>> waiters;
};

}  // namespace nimbus::sqs
