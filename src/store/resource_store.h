// A generic namespaced table of JSON documents for providers:
// (account_id, region, kind, id) -> body (TEXT) with created/updated timestamps (epoch ms).
// `kind` is the provider's resource type ("lambda.function", "sns.topic", ...). Global
// resources use an empty region. Ids are compared bytewise; List returns them in that order.
//
// Thread-safe: every call goes through Database (serialized). Calls may be made inside
// Database::Transaction to combine several writes atomically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/database.h"

namespace nimbus::store {

struct ResourceKey {
  std::string account_id;
  std::string region;
  std::string kind;
  std::string id;
};

struct Resource {
  ResourceKey key;
  std::string body;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct ListOptions {
  std::string id_prefix;  // only ids starting with this (bytewise)
  std::string marker;     // only ids strictly greater than this (pagination)
  int limit = 100;        // clamped to [1, 1000]
};

struct ResourcePage {
  std::vector<Resource> items;
  std::string next_marker;  // empty when there are no more items; else pass as marker
};

class ResourceStore {
 public:
  // Migrations of module "resources"; Install applies them.
  static std::span<const Migration> Migrations();
  static Status Install(Database& db);

  // `db` and `clock` must outlive the store. Install must have succeeded on `db`.
  explicit ResourceStore(Database& db, const Clock& clock = SystemClock())
      : db_(db), clock_(clock) {}

  // Upsert: inserts, or replaces the body and bumps updated_ms (created_ms is kept).
  Status Put(const ResourceKey& key, std::string_view body);
  // Inserts only; AlreadyExists when the key is taken.
  Status Create(const ResourceKey& key, std::string_view body);
  // NotFound when absent.
  Result<Resource> Get(const ResourceKey& key);
  // NotFound when absent.
  Status Delete(const ResourceKey& key);
  // One page of `kind` resources of (account_id, region), ordered by id.
  Result<ResourcePage> List(std::string_view account_id, std::string_view region,
                            std::string_view kind, const ListOptions& options = {});

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace nimbus::store
