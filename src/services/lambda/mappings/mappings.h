// Lambda's event source mappings from SQS queues: Create/Get/Update/Delete/ListEventSourceMappings
// with AWS's validation, each mapping persisted (mapping_store.h) before the answer. A write
// answers the transitional State AWS answers (Creating, Updating, Enabling, Disabling, Deleting)
// and the mapping is settled (Enabled or Disabled) at once; the pollers (sqs_poller.h) learn of
// every change through the listener.
//
// Threading: every method is thread-safe (one mutex; the listener is called without it, in the
// order of the changes).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "protocol/call.h"
#include "protocol/provider.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/mappings/mapping.h"
#include "services/sqs/api/queue_reader.h"
#include "store/database.h"

namespace nimbus::lambda {

struct MappingDeps {
  store::Database* db = nullptr;             // required
  const Clock* clock = nullptr;              // required
  FunctionRegistry* registry = nullptr;      // required
  std::shared_ptr<sqs::QueueReader> queues;  // null: creating a mapping fails (no SQS)
};

class EventSourceMappings {
 public:
  // Applies the schema and loads every mapping. Fails on a database error.
  static Result<std::unique_ptr<EventSourceMappings>> Open(MappingDeps deps);

  // Registers the five operations in the lambda provider's table, and wraps the TagResource,
  // UntagResource and ListTags registered before (the functions') so mapping ARNs come here.
  void RegisterOperations(OperationTable& table);

  OpResult Create(const CallContext& call, const Value& in);
  OpResult Get(const CallContext& call, const Value& in);
  OpResult Update(const CallContext& call, const Value& in);
  OpResult Delete(const CallContext& call, const Value& in);
  OpResult List(const CallContext& call, const Value& in);
  // TagResource, UntagResource and ListTags on a mapping's ARN
  // (arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>).
  OpResult Tags(const CallContext& call, const Value& in);

  // Called after each change with the mapping's uuid and what it is now (nullopt: deleted).
  using Listener =
      std::function<void(const std::string& uuid, const std::optional<EventSourceMapping>& now)>;
  // Sets the listener and calls it once for every existing mapping (a start after a restart).
  void Listen(Listener listener);

 private:
  explicit EventSourceMappings(MappingDeps deps) : deps_(std::move(deps)) {}
  // Validates the settings `in` gives against `m` (the new values applied to it) and the queue.
  std::optional<AwsError> ApplySettings(const Value& in, EventSourceMapping& m, bool creating);
  // Points `m` at the function FunctionName names (ResourceNotFound when it does not exist).
  std::optional<AwsError> ApplyFunction(const CallContext& call, const std::string& name,
                                        EventSourceMapping& m);
  // The mapping `in`'s UUID names in the caller's account and region, or ResourceNotFound.
  Result<EventSourceMapping, AwsError> Find(const CallContext& call, const Value& in);
  // Persists and publishes `m` (or removes it), then tells the listener (unless !notify: a
  // change the pollers need not see). Caller holds write_mu_.
  std::optional<AwsError> Commit(const EventSourceMapping& m, bool erase, bool notify = true);

  MappingDeps deps_;
  std::mutex write_mu_;  // serializes writes and the listener's calls
  std::mutex mu_;        // guards mappings_ and listener_
  std::map<std::string, EventSourceMapping> mappings_;  // by uuid
  Listener listener_;
};

}  // namespace nimbus::lambda
