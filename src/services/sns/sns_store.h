// SNS state in SQLite, scoped by account and region: topics (attributes, tags, FIFO sequence
// numbers and deduplication ids), subscriptions (pending until confirmed, with their tokens) and
// the messages that deliveries still need. Every write is durable when it returns.
// Thread-safe (the Database serializes calls); calls may be made inside db().Transaction.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "protocol/call.h"
#include "services/kit/scope.h"
#include "store/database.h"

namespace nimbus::sns {

struct TopicRow {
  std::string arn;
  std::string name;
  Value attributes = Value::object();  // the attributes set by the user, string values
  Value tags = Value::object();        // key -> value
  int64_t sequence = 0;                // FIFO: last sequence number given
  bool fifo() const;                   // FifoTopic is "true"
  // A set attribute, or `def`.
  std::string Attr(const char* name, const std::string& def = "") const;
};

struct SubscriptionRow {
  std::string arn;
  std::string topic_arn;
  std::string account;  // the owner
  std::string protocol;
  std::string endpoint;
  bool confirmed = false;
  std::string token;  // confirmation token (pending subscriptions)
  int64_t token_expires_ms = 0;
  Value attributes = Value::object();  // set by the user, string values
  bool authenticated = false;          // ConfirmationWasAuthenticated
  std::string Attr(const char* name, const std::string& def = "") const;
};

class SnsStore {
 public:
  explicit SnsStore(store::Database& db) : db_(db) {}
  Status Init();  // applies the "sns" migrations
  store::Database& db() { return db_; }
  // Bumped by every write to a topic or subscription: readers that cache them (the deliveries)
  // drop their copies when it moved.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Topics. Insert fails AlreadyExists when the name is taken.
  Status InsertTopic(const Scope& s, const TopicRow& t);
  Status UpdateTopic(const TopicRow& t);  // attributes, tags, sequence
  Result<std::optional<TopicRow>> GetTopic(const std::string& arn);
  // Deletes the topic and its subscriptions.
  Status DeleteTopic(const std::string& arn);
  // Topic ARNs of the scope after `after`, sorted, at most `limit`.
  Result<std::vector<std::string>> ListTopics(const Scope& s, const std::string& after, int limit);

  // Subscriptions.
  Status PutSubscription(const SubscriptionRow& sub);  // insert or replace
  Result<std::optional<SubscriptionRow>> GetSubscription(const std::string& arn);
  Status DeleteSubscription(const std::string& arn);
  // Subscriptions of `topic_arn` (or of the scope when `topic_arn` is empty), by ARN after
  // `after`, at most `limit`.
  Result<std::vector<SubscriptionRow>> ListSubscriptions(const Scope& s,
                                                         const std::string& topic_arn,
                                                         const std::string& after, int limit);
  // Every subscription of the topic (for Publish's fan-out).
  Result<std::vector<SubscriptionRow>> TopicSubscriptions(const std::string& topic_arn);
  // The pending subscription of `topic_arn` with `token`.
  Result<std::optional<SubscriptionRow>> FindByToken(const std::string& topic_arn,
                                                     const std::string& token);
  // The subscription of the topic to (protocol, endpoint), if any.
  Result<std::optional<SubscriptionRow>> FindByEndpoint(const std::string& topic_arn,
                                                        const std::string& protocol,
                                                        const std::string& endpoint);

  // FIFO deduplication: the message id first published with `dedup_id` within the window
  // (entries older than `now_ms` are dropped), else records `message_id` until `expires_ms`.
  Result<std::optional<std::pair<std::string, int64_t>>> Deduplicate(
      const std::string& topic_arn, const std::string& dedup_id, const std::string& message_id,
      int64_t sequence, int64_t now_ms, int64_t expires_ms);

  // Messages awaiting delivery: `body` (JSON) kept until `refs` deliveries released it.
  Status PutMessage(const std::string& id, const std::string& body, int refs);
  Result<std::optional<std::string>> GetMessage(const std::string& id);
  // Drops one reference; the message goes with the last.
  Status ReleaseMessage(const std::string& id);

 private:
  void Changed() { version_.fetch_add(1, std::memory_order_acq_rel); }
  store::Database& db_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace nimbus::sns
