// ECS services in SQLite (module "ecs_services", beside EcsStore's tables in the same database):
// each service's Service JSON and the scheduler's state of it, its service revisions and its
// service deployments. Every write is durable when it returns. Thread-safe (the Database
// serializes calls); a read-modify-write of one service is the caller's to serialize
// (ServiceControl's mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "protocol/call.h"
#include "services/ecs/ecs_store.h"
#include "services/kit/scope.h"
#include "store/database.h"

namespace nimbus::ecs {

// One service. `body` is the Service as DescribeServices shows it (tags apart); `state` is
// the scheduler's: per deployment id its revision ARN, service deployment ARN, pinned images
// and failure bookkeeping.
struct ServiceRow {
  std::string cluster, name;
  std::string status;  // ACTIVE, DRAINING or INACTIVE
  Value body;
  Value tags;   // [{key, value}]
  Value state;  // object
};

class ServiceStore {
 public:
  explicit ServiceStore(store::Database& db) : db_(db) {}
  Status Init();  // applies the "ecs_services" migrations

  Status PutService(const Scope& s, const ServiceRow& row);
  Result<std::optional<ServiceRow>> GetService(const Scope& s, const std::string& cluster,
                                               const std::string& name);
  // Names of the cluster's ACTIVE and DRAINING services, sorted, after `after`, at most `limit`.
  Result<std::vector<std::string>> ListServices(const Scope& s, const std::string& cluster,
                                                const std::string& after, int limit);
  // (scope, cluster, name) of every service the scheduler keeps (ACTIVE or DRAINING).
  struct Key {
    Scope scope;
    std::string cluster, name;
  };
  Result<std::vector<Key>> LiveServices();
  // Forgets INACTIVE services deleted before `before_ms` (AWS describes them about an hour),
  // with their history: AWS then answers ServiceNotFoundException for them.
  Status ForgetDeletedBefore(int64_t before_ms);
  // Forgets a service's deployments and revisions (a deleted service's, when it is purged or
  // its name is taken by a new service).
  Status ForgetHistory(const Scope& s, const std::string& cluster, const std::string& name);

  // Service revisions and service deployments by ARN (bodies as Describe* shows them).
  Status PutRevision(const Scope& s, const std::string& arn, const Value& body);
  Result<std::optional<Value>> GetRevision(const Scope& s, const std::string& arn);
  Status PutDeployment(const Scope& s, const std::string& arn, const std::string& cluster,
                       const std::string& service, const Value& body);
  Result<std::optional<Value>> GetDeployment(const Scope& s, const std::string& arn);
  // The service's deployments, newest first.
  Result<std::vector<Value>> Deployments(const Scope& s, const std::string& cluster,
                                         const std::string& service);

  // The tasks of a service (group "service:<name>") in `cluster` whose lastStatus is not
  // STOPPED, oldest first (EcsStore's table, read here so the scheduler needs one query).
  Result<std::vector<TaskRow>> ServiceTasks(const Scope& s, const std::string& cluster,
                                            const std::string& name);

 private:
  store::Database& db_;
};

Result<std::shared_ptr<ServiceStore>> MakeServiceStore(store::Database& db);

}  // namespace nimbus::ecs
