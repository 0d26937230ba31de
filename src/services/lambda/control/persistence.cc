#include "services/lambda/control/persistence.h"

#include <array>

namespace nimbus::lambda {
namespace {

const std::array<store::Migration, 1> kMigrations = {{
    {1, "functions layers meta",
     "CREATE TABLE lambda_functions(account TEXT NOT NULL, region TEXT NOT NULL,"
     " name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(account, region, name));"
     "CREATE TABLE lambda_layers(account TEXT NOT NULL, region TEXT NOT NULL,"
     " name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(account, region, name));"
     "CREATE TABLE lambda_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
}};

template <typename T>
Status LoadRows(store::Database& db, std::string_view sql, const std::function<void(T)>& fn) {
  return db.Query(sql, {}, [&](const store::Row& row) {
    Value j = Value::parse(row.TextView(0), nullptr, /*allow_exceptions=*/false);
    T item;
    if (!j.is_discarded() && FromJson(j, item)) fn(std::move(item));
    return true;
  });
}

}  // namespace

Status MigrateLambda(store::Database& db) { return db.Migrate("lambda", kMigrations); }

Status LoadFunctions(store::Database& db, const std::function<void(FunctionState)>& fn) {
  return LoadRows<FunctionState>(db, "SELECT body FROM lambda_functions", fn);
}

Status LoadLayers(store::Database& db, const std::function<void(LayerState)>& fn) {
  return LoadRows<LayerState>(db, "SELECT body FROM lambda_layers", fn);
}

Status SaveFunction(store::Database& db, const FunctionState& f) {
  std::string body = ToJson(f).dump(-1, ' ', false, Value::error_handler_t::replace);
  auto r = db.Exec(
      "INSERT INTO lambda_functions(account, region, name, body) VALUES(?, ?, ?, ?)"
      " ON CONFLICT(account, region, name) DO UPDATE SET body = excluded.body",
      {f.account, f.region, f.name, body});
  return r.ok() ? Status::Ok() : r.error();
}

Status SaveLayer(store::Database& db, const LayerState& l) {
  std::string body = ToJson(l).dump(-1, ' ', false, Value::error_handler_t::replace);
  auto r = db.Exec(
      "INSERT INTO lambda_layers(account, region, name, body) VALUES(?, ?, ?, ?)"
      " ON CONFLICT(account, region, name) DO UPDATE SET body = excluded.body",
      {l.account, l.region, l.name, body});
  return r.ok() ? Status::Ok() : r.error();
}

Status DeleteFunctionRow(store::Database& db, const FunctionState& f) {
  auto r = db.Exec("DELETE FROM lambda_functions WHERE account = ? AND region = ? AND name = ?",
                   {f.account, f.region, f.name});
  return r.ok() ? Status::Ok() : r.error();
}

Result<std::string> MetaValue(store::Database& db, const std::string& key,
                              const std::function<std::string()>& make) {
  std::string value;
  Status st =
      db.Query("SELECT value FROM lambda_meta WHERE key = ?", {key}, [&](const store::Row& row) {
        value = row.Text(0);
        return false;
      });
  if (!st.ok()) return st;
  if (!value.empty()) return value;
  value = make();
  auto r = db.Exec("INSERT OR IGNORE INTO lambda_meta(key, value) VALUES(?, ?)", {key, value});
  if (!r.ok()) return r.error();
  return value;
}

}  // namespace nimbus::lambda
