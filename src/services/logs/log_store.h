// CloudWatch Logs storage, shared by the logs provider and by services that ship logs
// (Lambda: each invocation's output and platform lines; ECS: container output).
//
// Other services do not use it directly: they get the LogSink (api/log_sink.h) the logs service
// publishes over it. Within logs (the service creates ONE store):
//
//   auto logs = logs::MakeLogStore(*ctx.db, *ctx.clock);  // once, in logs_provider.cc
//   logs->AppendEnsuring(scope, group, stream, events);     // or, step by step:
//   logs->EnsureGroup(scope, "/aws/lambda/fn");             // idempotent
//   logs->EnsureStream(scope, "/aws/lambda/fn", "2024/01/31/[$LATEST]0123...");
//   logs->Append(scope, "/aws/lambda/fn", stream, {{ts_ms, "START RequestId: ..."},
//                                                  {ts_ms, "END RequestId: ..."}});
//
// Every group lives in a Scope (kit/scope.h: the caller's account and region), as every
// service's state does.
//
// Durability: every mutating call returns after its SQLite transaction committed (WAL,
// synchronous=FULL), so an OK survives kill -9. Cost: Append is one transaction (one fsync)
// whatever the number of events, so ship a whole invocation's lines in one call.
// Threading: all methods are thread-safe (the Database serializes them).
// Validation: the internal API stores what it is given (no AWS batch rules); the provider
// validates client input before calling the *Events methods.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "services/kit/scope.h"
#include "services/logs/api/log_sink.h"
#include "store/database.h"

namespace nimbus::logs {

// One event to append: epoch milliseconds and the message text (UTF-8); the sink's LogLine.
using LogEvent = LogLine;

struct GroupInfo {
  std::string name;
  int64_t creation_time = 0;  // epoch ms
  std::optional<int> retention_days;
  int64_t stored_bytes = 0;
  std::string kms_key_id;       // empty when none
  std::string log_group_class;  // "STANDARD" unless created otherwise
};

struct StreamInfo {
  std::string name;
  int64_t creation_time = 0;  // epoch ms
  std::optional<int64_t> first_event, last_event, last_ingestion;
  int64_t stored_bytes = 0;
};

// Position of an event in a group: events are ordered by (timestamp, id).
struct EventPos {
  int64_t timestamp = 0;
  int64_t id = 0;
  friend auto operator<=>(const EventPos&, const EventPos&) = default;
};

struct StoredEvent {
  EventPos pos;
  std::string stream;
  int64_t ingestion_time = 0;
  std::string message;
};

// A half-open time window [start, end) in epoch ms.
struct TimeRange {
  int64_t start = 0;
  int64_t end = INT64_MAX;
};

class LogStore {
 public:
  // Use MakeLogStore (it applies the schema). `db` and `clock` must outlive the store.
  LogStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // --- Internal API for other services -------------------------------------------------
  // Creates the group if missing. OK when it exists.
  Status EnsureGroup(const Scope& scope, std::string_view group);
  // Creates the group and the stream if missing. OK when they exist.
  Status EnsureStream(const Scope& scope, std::string_view group, std::string_view stream);
  // Appends events (any order; negative timestamps become 0) to an existing stream in one
  // transaction. NotFound when the group or stream does not exist. Empty `events`: no-op.
  Status Append(const Scope& scope, std::string_view group, std::string_view stream,
                const std::vector<LogEvent>& events);

  // Append that first creates the group and stream when missing (what a log shipper wants).
  Status AppendEnsuring(const Scope& scope, std::string_view group, std::string_view stream,
                        const std::vector<LogEvent>& events);

  // AppendEnsuring for several streams in one transaction (one commit: what a shipper that
  // batches many streams wants). Returns one status per batch, in order; a failing batch is
  // rolled back alone and the others are kept.
  std::vector<Status> AppendEnsuringAll(const std::vector<LogBatch>& batches);

  // --- Used by the provider -----------------------------------------------------------------
  // OK when the stream exists; NotFound (group or stream) otherwise.
  Status CheckStream(const Scope& scope, std::string_view group, std::string_view stream);
  // Now, by the store's clock (epoch ms).
  int64_t NowMillis() const { return clock_.NowMillis(); }
  // AlreadyExists when present. `tags_json` is a JSON object text ("{}" for none).
  Status CreateGroup(const Scope& scope, const GroupInfo& info, std::string_view tags_json);
  // NotFound when missing. Deletes its streams and events.
  Status DeleteGroup(const Scope& scope, std::string_view group);
  Result<GroupInfo> GetGroup(const Scope& scope, std::string_view group);
  // Groups in ASCII order with names > `after`, starting with `prefix`, containing
  // `contains` (case-sensitive; both may be empty); at most `limit`.
  Result<std::vector<GroupInfo>> ListGroups(const Scope& scope, std::string_view prefix,
                                            std::string_view contains, std::string_view after,
                                            int limit);
  // Sets (value) or removes (nullopt) the retention. NotFound when the group is missing.
  Status SetRetention(const Scope& scope, std::string_view group, std::optional<int> days);
  // Tags as JSON object text. NotFound when the group is missing.
  Result<std::string> GetTags(const Scope& scope, std::string_view group);
  Status SetTags(const Scope& scope, std::string_view group, std::string_view tags_json);

  // AlreadyExists / NotFound (group) as AWS. DeleteStream: NotFound when missing.
  Status CreateStream(const Scope& scope, std::string_view group, std::string_view stream);
  Status DeleteStream(const Scope& scope, std::string_view group, std::string_view stream);
  // Streams of a group, ordered by name or by (lastEventTimestamp, name), ascending or not,
  // after the cursor (name, last-event key) of the previous page; at most `limit`.
  struct StreamQuery {
    std::string prefix;
    bool by_last_event = false;
    bool descending = false;
    std::optional<std::pair<int64_t, std::string>> after;  // (last event key, name)
    int limit = 50;
  };
  Result<std::vector<StreamInfo>> ListStreams(const Scope& scope, std::string_view group,
                                              const StreamQuery& q);

  // Events of one stream inside `range`, strictly after (forward) or before (!forward) `from`
  // when given, in ascending order; at most `limit` events and about `max_bytes` (message +
  // 26 bytes each). NotFound when the group or stream is missing.
  Result<std::vector<StoredEvent>> ReadStream(const Scope& scope, std::string_view group,
                                              std::string_view stream, TimeRange range,
                                              std::optional<EventPos> from, bool forward, int limit,
                                              int64_t max_bytes);

  // Events of a group in (timestamp, id) order inside `range`, after `after`, in streams for
  // which `stream_ok` holds and matching `match`. Stops after `limit` matches or `max_bytes`;
  // `more` tells whether events remain to scan. NotFound when the group is missing.
  // Scans at most kMaxFilterScan events per call; a page may then be empty with more=true.
  struct FilterResult {
    std::vector<StoredEvent> events;
    bool more = false;
    EventPos resume;  // when more: continue strictly after this position
  };
  static constexpr int kMaxFilterScan = 200000;
  Result<FilterResult> Filter(const Scope& scope, std::string_view group, TimeRange range,
                              std::optional<EventPos> after,
                              const std::function<bool(std::string_view)>& stream_ok,
                              const std::function<bool(std::string_view)>& match, int limit,
                              int64_t max_bytes);

  // Applies the schema. Called by MakeLogStore.
  Status Init();

 private:
  struct Ids {
    int64_t group = 0;
    int64_t stream = 0;
  };
  Result<int64_t> GroupId(const Scope& scope, std::string_view group,
                          std::optional<int>* retention = nullptr);
  Result<Ids> StreamIds(const Scope& scope, std::string_view group, std::string_view stream);
  Status InsertEvents(const Ids& ids, const std::vector<LogEvent>& events);
  void ForgetCache();
  // Lower bound of readable timestamps for a retention (events older are expired).
  int64_t RetentionFloor(std::optional<int> days) const;

  store::Database& db_;
  const Clock& clock_;
  std::mutex cache_mu_;
  std::map<std::string, Ids, std::less<>> stream_cache_;  // by CacheKey (log_store.cc)
};

// Creates the store and applies its schema (module "logs"). Share the returned instance
// between the logs provider and the LogSink.
Result<std::shared_ptr<LogStore>> MakeLogStore(store::Database& db, const Clock& clock);

// The sink other services ship their output to (api/log_sink.h), over `store`. Thread-safe;
// keeps the store alive.
std::shared_ptr<LogSink> MakeLogSink(std::shared_ptr<LogStore> store);

// ARN of a log group: arn:aws:logs:<region>:<account>:log-group:<name>:*  (with_star) or
// without the trailing ":*" (the logGroupArn form).
std::string GroupArn(const Scope& scope, std::string_view group, bool with_star = true);

}  // namespace nimbus::logs
