// SQLite persistence of event source mappings (module "lambda-mappings", one JSON row per
// mapping). Every write is durable when it returns OK. Thread-safe (Database serializes calls).
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "services/lambda/mappings/mapping.h"
#include "store/database.h"

namespace nimbus::lambda {

// Applies the schema migrations.
Status MigrateMappings(store::Database& db);
// Calls fn for every stored mapping (rows that fail to parse are skipped).
Status LoadMappings(store::Database& db, const std::function<void(EventSourceMapping)>& fn);
// Upserts the row of `m`.
Status SaveMapping(store::Database& db, const EventSourceMapping& m);
Status DeleteMappingRow(store::Database& db, const std::string& uuid);

}  // namespace nimbus::lambda
