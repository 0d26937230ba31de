// What nimbus answers at 169.254.170.2 for a task (one listener per account's VPC, which tells
// tasks apart by their address, as ECS's agent does; a private port of the host's loopback for
// networkMode host): the task metadata endpoint (v4, and v3 with the same JSON)
// under /v4/<container token> for the container, /task for the task, /stats and /task/stats
// for Docker-shaped statistics; and the task role's credentials under /v2/credentials/<id>
// (404 for another id, and for every id when the task has no role, as ECS's agent does).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/credential_issuer.h"
#include "core/clock.h"
#include "protocol/provider.h"
#include "services/ecs/ecs_store.h"
#include "services/ecs/network/task_metadata.h"

namespace nimbus::ecs {

struct MetadataSource {
  std::shared_ptr<EcsStore> store;  // the task is read from it on each request
  Scope scope;
  std::string task_id;
  Value task_definition;
  MetadataNetwork network;
  std::map<std::string, std::string> containers;  // URI token -> container name
  std::string credentials_id;                     // empty: the task has no role
  std::string role_arn;
  const Clock* clock = nullptr;
  // Issues the role's credentials (valid 6 hours; each request gets fresh ones, as SDKs ask
  // again before they expire) and keeps their key ids in `issued`, for RevokeIssued when the
  // task is gone. Null: credentials of the account's kind nimbus gave before it issued any
  // (access key = the account id; open mode only).
  auth::CredentialIssuer* issuer = nullptr;
  std::shared_ptr<struct IssuedKeys> issued;
  // Docker-shaped stats of the task's containers ({"<DockerId>": stats}), null when the runtime
  // gives none. Called on an event loop; must not block long.
  std::function<Value()> stats;
  // Container name -> runtime id of the containers already started (the store learns them only
  // once the whole task is RUNNING; a container may ask before), or null.
  std::function<std::map<std::string, std::string>()> started;
};

// Key ids issued to one task.
struct IssuedKeys {
  std::mutex mu;
  std::vector<std::string> keys;
};

// Revokes every credential issued to the task of `source`.
void RevokeIssued(const MetadataSource& source);

// Which task a request comes from (null: none nimbus knows; answered 404). Thread-safe.
using MetadataLookup = std::function<std::shared_ptr<const MetadataSource>(const HttpRequest&)>;

// The handler serving the task `lookup` finds for each request. Thread-safe.
RawHandler MetadataHandler(MetadataLookup lookup);

}  // namespace nimbus::ecs
