// ECS state in SQLite, scoped by account and region: clusters and task definition revisions.
// Every write is durable when it returns. Thread-safe (the Database serializes calls).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "protocol/call.h"
#include "services/kit/scope.h"
#include "store/database.h"

namespace nimbus::ecs {

struct ClusterRow {
  std::string name;
  std::string status;  // ACTIVE or INACTIVE (deleted, still describable)
  Value tags;          // [{key, value}]
  Value settings;      // [{name, value}]
};

// A task: its Task JSON as DescribeTasks shows it (tags apart) and what lists filter on.
struct TaskRow {
  std::string id;       // 32 hex digits, the last part of the task ARN
  std::string cluster;  // cluster name
  Value body;           // the Task (lastStatus, desiredStatus, containers, timestamps, ...)
  Value tags;           // [{key, value}]
};

// Filters of ListTasks; empty strings match anything.
struct TaskFilter {
  std::string cluster, family, started_by, launch_type, group, desired_status;
};

// An account setting (ListAccountSettings): `principal` is an ARN, or "" for the account's
// default (PutAccountSettingDefault).
struct AccountSettingRow {
  std::string name, value, principal;
};

struct TaskDefRow {
  std::string family;
  int64_t revision = 0;
  std::string status;  // ACTIVE, INACTIVE or DELETE_IN_PROGRESS
  Value body;          // the TaskDefinition as Describe returns it (status kept in sync)
  Value tags;          // [{key, value}]
};

class EcsStore {
 public:
  EcsStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  Status Init();  // applies the "ecs" migrations
  const Clock& clock() const { return clock_; }

  // Clusters. CreateCluster makes `name` ACTIVE (again, if it was deleted) and returns it; an
  // ACTIVE one is returned unchanged, as AWS does.
  Result<ClusterRow> CreateCluster(const Scope& s, const std::string& name, const Value& tags,
                                   const Value& settings);
  Result<std::optional<ClusterRow>> GetCluster(const Scope& s, const std::string& name);
  // The cluster a task operation names, `default` created on first use as AWS does when
  // `name` is "default"; nullopt when another name does not exist or is INACTIVE.
  Result<std::optional<ClusterRow>> UseCluster(const Scope& s, const std::string& name);
  // ACTIVE cluster names after `after`, sorted, at most `limit`.
  Result<std::vector<std::string>> ListClusters(const Scope& s, const std::string& after,
                                                int limit);
  // Marks an ACTIVE cluster INACTIVE; nullopt when none is ACTIVE.
  Result<std::optional<ClusterRow>> DeleteCluster(const Scope& s, const std::string& name);

  // Task definitions. Register stores `body` (without arn/revision/status, which it fills in)
  // as the family's next revision (revisions are never reused) and returns the row.
  Result<TaskDefRow> Register(const Scope& s, const std::string& family, Value body,
                              const Value& tags);
  Result<std::optional<TaskDefRow>> GetRevision(const Scope& s, const std::string& family,
                                                int64_t revision);
  // The latest ACTIVE revision of `family`.
  Result<std::optional<TaskDefRow>> Latest(const Scope& s, const std::string& family);
  // Sets the status of one revision (with deregisteredAt/deleteRequestedAt as AWS shows it).
  Result<TaskDefRow> SetStatus(const Scope& s, TaskDefRow row, const std::string& status);
  // (family, revision) pairs with `status` ("" = any), optionally of one family, sorted by
  // family then revision (descending when `desc`), starting after position `offset`.
  Result<std::vector<std::pair<std::string, int64_t>>> ListRevisions(const Scope& s,
                                                                     const std::string& family,
                                                                     const std::string& status,
                                                                     bool desc, int64_t offset,
                                                                     int limit);
  // Families starting with `prefix`: "ACTIVE" = with an ACTIVE revision, "INACTIVE" =
  // without one, "ALL"; sorted, after `after`, at most `limit`.
  Result<std::vector<std::string>> ListFamilies(const Scope& s, const std::string& prefix,
                                                const std::string& status, const std::string& after,
                                                int limit);

  // Tasks (task_store.cc). PutTask inserts or replaces a task, its list columns taken from
  // its body.
  Status PutTask(const Scope& s, const TaskRow& row);
  Result<std::optional<TaskRow>> GetTask(const Scope& s, const std::string& id);
  // Reads, changes (`change` edits the body in place; false: leave it) and writes a task in one
  // transaction; the body after the change, or nullopt when the task does not exist.
  Result<std::optional<Value>> UpdateTask(const Scope& s, const std::string& id,
                                          const std::function<bool(Value&)>& change);
  Status SetTaskTags(const Scope& s, const std::string& id, const Value& tags);
  // Task ids matching `f`, newest first, from position `offset`, at most `limit`.
  Result<std::vector<std::string>> ListTasks(const Scope& s, const TaskFilter& f, int64_t offset,
                                             int limit);
  // Every task of every scope whose lastStatus is not STOPPED (restart recovery).
  Result<std::vector<std::pair<Scope, TaskRow>>> UnstoppedTasks();
  // Deletes tasks STOPPED before `before_ms` (epoch ms); how many went.
  Result<int64_t> ForgetStoppedBefore(int64_t before_ms);

  // Cluster and task definition tags (TagResource); false when the resource does not exist.
  Result<bool> SetClusterTags(const Scope& s, const std::string& name, const Value& tags);
  Result<bool> SetTaskDefTags(const Scope& s, const std::string& family, int64_t revision,
                              const Value& tags);

  // Account settings (task_store.cc): the one of `principal` ("" = the default), replaced.
  Status PutSetting(const Scope& s, const AccountSettingRow& row);
  Status DeleteSetting(const Scope& s, const std::string& name, const std::string& principal);
  // Every stored setting of the scope, sorted by name then principal.
  Result<std::vector<AccountSettingRow>> Settings(const Scope& s);

 private:
  Result<std::optional<TaskDefRow>> ReadRevision(const std::string& sql,
                                                 std::initializer_list<store::Param> params);
  store::Database& db_;
  const Clock& clock_;
};

Result<std::shared_ptr<EcsStore>> MakeEcsStore(store::Database& db, const Clock& clock);

}  // namespace nimbus::ecs
