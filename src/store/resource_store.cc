#include "store/resource_store.h"

#include <algorithm>

namespace nimbus::store {
namespace {

const Migration kMigrations[] = {
    {1, "create resources",
     "CREATE TABLE resources ("
     " account_id TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
     " body TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
     " PRIMARY KEY (account_id, region, kind, id)) WITHOUT ROWID;"},
};

// Smallest string greater than every string starting with `prefix`; empty when none exists
// (prefix of only 0xff bytes).
std::string PrefixUpperBound(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace

std::span<const Migration> ResourceStore::Migrations() { return kMigrations; }

Status ResourceStore::Install(Database& db) { return db.Migrate("resources", Migrations()); }

Status ResourceStore::Put(const ResourceKey& k, std::string_view body) {
  int64_t now = clock_.NowMillis();
  auto r = db_.Exec(
      "INSERT INTO resources(account_id, region, kind, id, body, created_ms, updated_ms)"
      " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account_id, region, kind, id) DO UPDATE SET"
      " body = excluded.body, updated_ms = excluded.updated_ms",
      {k.account_id, k.region, k.kind, k.id, body, now, now});
  return r.ok() ? Status::Ok() : r.error();
}

Status ResourceStore::Create(const ResourceKey& k, std::string_view body) {
  int64_t now = clock_.NowMillis();
  auto r = db_.Exec(
      "INSERT INTO resources(account_id, region, kind, id, body, created_ms, updated_ms)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)",
      {k.account_id, k.region, k.kind, k.id, body, now, now});
  if (!r.ok() && r.error().code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists(k.kind + " " + k.id + " already exists");
  }
  return r.ok() ? Status::Ok() : r.error();
}

Result<Resource> ResourceStore::Get(const ResourceKey& k) {
  Resource out;
  bool found = false;
  Status st = db_.Query(
      "SELECT body, created_ms, updated_ms FROM resources"
      " WHERE account_id = ? AND region = ? AND kind = ? AND id = ?",
      {k.account_id, k.region, k.kind, k.id}, [&](const Row& row) {
        found = true;
        out.body = row.Text(0);
        out.created_ms = row.Int(1);
        out.updated_ms = row.Int(2);
        return false;
      });
  if (!st.ok()) return st;
  if (!found) return Status::NotFound(k.kind + " " + k.id + " not found");
  out.key = k;
  return out;
}

Status ResourceStore::Delete(const ResourceKey& k) {
  auto r =
      db_.Exec("DELETE FROM resources WHERE account_id = ? AND region = ? AND kind = ? AND id = ?",
               {k.account_id, k.region, k.kind, k.id});
  if (!r.ok()) return r.error();
  if (*r == 0) return Status::NotFound(k.kind + " " + k.id + " not found");
  return Status::Ok();
}

Result<ResourcePage> ResourceStore::List(std::string_view account_id, std::string_view region,
                                         std::string_view kind, const ListOptions& options) {
  const int limit = std::clamp(options.limit, 1, 1000);
  // Lower bound: the later of (id >= prefix) and (id > marker); upper bound from the prefix.
  std::string lower = options.id_prefix;
  bool lower_inclusive = true;
  if (!options.marker.empty() && options.marker >= lower) {
    lower = options.marker;
    lower_inclusive = false;
  }
  std::string upper = PrefixUpperBound(options.id_prefix);
  ResourcePage page;
  auto on_row = [&](const Row& row) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_marker = page.items.back().key.id;
      return false;
    }
    if (!row.TextView(0).starts_with(options.id_prefix)) return false;
    Resource r;
    r.key = {std::string(account_id), std::string(region), std::string(kind), row.Text(0)};
    r.body = row.Text(1);
    r.created_ms = row.Int(2);
    r.updated_ms = row.Int(3);
    page.items.push_back(std::move(r));
    return true;
  };
  // Upper bound: empty `upper` means "no bound"; (? = '' OR id < ?) keeps one statement.
  Status st = db_.Query(
      lower_inclusive
          ? "SELECT id, body, created_ms, updated_ms FROM resources WHERE account_id = ? AND"
            " region = ? AND kind = ? AND id >= ? AND (? = '' OR id < ?) ORDER BY id LIMIT ?"
          : "SELECT id, body, created_ms, updated_ms FROM resources WHERE account_id = ? AND"
            " region = ? AND kind = ? AND id > ? AND (? = '' OR id < ?) ORDER BY id LIMIT ?",
      {account_id, region, kind, lower, upper, upper, limit + 1}, on_row);
  if (!st.ok()) return st;
  return page;
}

}  // namespace nimbus::store
