#include "services/lambda/mappings/mapping_store.h"

#include <array>

namespace nimbus::lambda {
namespace {

const std::array<store::Migration, 1> kMigrations = {{
    {1, "event source mappings",
     "CREATE TABLE lambda_event_source_mappings(uuid TEXT PRIMARY KEY, body TEXT NOT NULL);"},
}};

}  // namespace

Status MigrateMappings(store::Database& db) { return db.Migrate("lambda-mappings", kMigrations); }

Status LoadMappings(store::Database& db, const std::function<void(EventSourceMapping)>& fn) {
  return db.Query("SELECT body FROM lambda_event_source_mappings", {}, [&](const store::Row& row) {
    Value j = Value::parse(row.TextView(0), nullptr, /*allow_exceptions=*/false);
    EventSourceMapping m;
    if (!j.is_discarded() && FromJson(j, m)) fn(std::move(m));
    return true;
  });
}

Status SaveMapping(store::Database& db, const EventSourceMapping& m) {
  std::string body = ToJson(m).dump(-1, ' ', false, Value::error_handler_t::replace);
  auto r = db.Exec(
      "INSERT INTO lambda_event_source_mappings(uuid, body) VALUES(?, ?)"
      " ON CONFLICT(uuid) DO UPDATE SET body = excluded.body",
      {m.uuid, body});
  return r.ok() ? Status::Ok() : r.error();
}

Status DeleteMappingRow(store::Database& db, const std::string& uuid) {
  auto r = db.Exec("DELETE FROM lambda_event_source_mappings WHERE uuid = ?", {uuid});
  return r.ok() ? Status::Ok() : r.error();
}

}  // namespace nimbus::lambda
