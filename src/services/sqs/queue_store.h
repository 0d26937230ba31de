// SQS's tables (migration module "sqs") and the writes the engine submits to its journal.
// Each function runs on the journal's writer thread inside its transaction, except LoadQueues
// (start-up). Failure: the database's Status.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "services/sqs/queue_model.h"
#include "store/database.h"

namespace nimbus::sqs::queue_store {

// Applies the schema.
Status Migrate(store::Database& db);
// Every queue with its messages (FIFO dedup entries included), as persisted.
Result<std::vector<std::unique_ptr<Queue>>> LoadQueues(store::Database& db);

// The queue row (attributes and tags included); an existing row of the same id is replaced.
Status PutQueue(store::Database& db, const Queue& q);
// The queue, its messages and dedup entries.
Status DeleteQueue(store::Database& db, int64_t queue_id);
Status InsertMessage(store::Database& db, int64_t queue_id, const Message& m);
// Visibility, receive count and first receive of a message.
Status UpdateMessageState(store::Database& db, int64_t queue_id, const Message& m);
Status DeleteMessage(store::Database& db, int64_t queue_id, uint64_t seq);
// Every message of the queue with seq <= `up_to`.
Status PurgeMessages(store::Database& db, int64_t queue_id, uint64_t up_to);
Status PutDedup(store::Database& db, int64_t queue_id, const std::string& key, const DedupEntry& e);

}  // namespace nimbus::sqs::queue_store
