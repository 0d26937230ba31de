#include "store/database.h"

#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <vector>

#include "store/fs.h"

namespace nimbus::store {
namespace {

constexpr char kMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
    " applied_at_ms INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS"
    " INTEGER)), PRIMARY KEY (module, version)) WITHOUT ROWID";

// Schema changes (creating the database, migrations) commit at synchronous=NORMAL: in WAL mode
// such a commit is atomic and consistent but not yet synced, so a power loss may undo it, and
// then the next start simply applies it again (a migration and its schema_migrations row are
// one transaction). Every data commit runs at FULL, and syncing the WAL syncs the schema frames
// before it too, so no data ever depends on an unsynced schema. This spares a fresh data
// directory one fsync per migration at start.
constexpr char kSchemaSync[] = "PRAGMA synchronous=NORMAL";
constexpr char kFullSync[] = "PRAGMA synchronous=FULL";

StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
                 ? StatusCode::kAlreadyExists
                 : StatusCode::kFailedPrecondition;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StatusCode::kCorruption;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return StatusCode::kIoError;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return StatusCode::kInvalidArgument;
    default:
      return StatusCode::kInternal;
  }
}

// Resets a cached statement on scope exit so it can be reused and releases bound views.
struct ResetGuard {
  sqlite3_stmt* stmt;
  ~ResetGuard() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

}  // namespace

int Row::columns() const { return sqlite3_column_count(stmt_); }
bool Row::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Row::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Row::Real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string_view Row::TextView(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(p), n);
}
std::string Row::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& data_dir,
                                                 DatabaseOptions options) {
  NIMBUS_RETURN_IF_ERROR(MakeDirs(data_dir));
  return OpenFile(data_dir + "/nimbus.db", options);
}

Result<std::unique_ptr<Database>> Database::OpenFile(const std::string& path,
                                                     DatabaseOptions options) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return Status(CodeFor(rc), "open " + path + ": " + msg);
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  // Creating a database (switching it to WAL, the migrations table) runs at synchronous=NORMAL:
  // see SchemaSync.
  std::string pragmas =
      "PRAGMA synchronous=NORMAL; PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
      " PRAGMA journal_size_limit=4194304; PRAGMA mmap_size=0; PRAGMA cache_size=-" +
      std::to_string(std::max(64, options.cache_kib)) + ";";
  NIMBUS_RETURN_IF_ERROR(db->ExecScript(pragmas));
  NIMBUS_RETURN_IF_ERROR(db->ExecScript(kMigrationsTable));
  NIMBUS_RETURN_IF_ERROR(db->ExecScript(kFullSync));
  return db;
}

Database::~Database() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Database::Error(int rc, std::string_view context) const {
  return Status(CodeFor(rc), std::string(context) + ": " + sqlite3_errmsg(db_));
}

Status Database::ExecScript(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return Status(CodeFor(sqlite3_extended_errcode(db_)), "sqlite: " + msg);
}

Result<sqlite3_stmt*> Database::Prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "prepare");
  if (stmt == nullptr) return Status::InvalidArgument("empty SQL statement");
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

Status Database::Bind(sqlite3_stmt* stmt, std::initializer_list<Param> params) {
  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
    return Status::InvalidArgument("statement expects " +
                                   std::to_string(sqlite3_bind_parameter_count(stmt)) +
                                   " parameters, got " + std::to_string(params.size()));
  }
  int i = 0;
  for (const Param& p : params) {
    ++i;
    int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return sqlite3_bind_null(stmt, i);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            return sqlite3_bind_int64(stmt, i, v);
          } else if constexpr (std::is_same_v<T, double>) {
            return sqlite3_bind_double(stmt, i, v);
          } else if constexpr (std::is_same_v<T, std::string_view>) {
            return sqlite3_bind_text64(stmt, i, v.empty() ? "" : v.data(), v.size(), SQLITE_STATIC,
                                       SQLITE_UTF8);
          } else {
            return sqlite3_bind_blob64(stmt, i, v.bytes.empty() ? "" : v.bytes.data(),
                                       v.bytes.size(), SQLITE_STATIC);
          }
        },
        p.value());
    if (rc != SQLITE_OK) return Error(rc, "bind parameter " + std::to_string(i));
  }
  return Status::Ok();
}

Result<int64_t> Database::Exec(std::string_view sql, std::initializer_list<Param> params) {
  std::lock_guard lock(mu_);
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.take_error();
  ResetGuard guard{*stmt};
  NIMBUS_RETURN_IF_ERROR(Bind(*stmt, params));
  int rc;
  while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return Error(sqlite3_extended_errcode(db_), "exec");
  return static_cast<int64_t>(sqlite3_changes64(db_));
}

Status Database::Query(std::string_view sql, std::initializer_list<Param> params,
                       const std::function<bool(const Row&)>& on_row) {
  std::lock_guard lock(mu_);
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.take_error();
  ResetGuard guard{*stmt};
  NIMBUS_RETURN_IF_ERROR(Bind(*stmt, params));
  int rc;
  while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
    if (!on_row(Row(*stmt))) return Status::Ok();
  }
  if (rc != SQLITE_DONE) return Error(sqlite3_extended_errcode(db_), "query");
  return Status::Ok();
}

Status Database::Transaction(const std::function<Status()>& fn) {
  std::lock_guard lock(mu_);
  const std::string sp = "sp" + std::to_string(tx_depth_);
  NIMBUS_RETURN_IF_ERROR(ExecScript(tx_depth_ == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT " + sp));
  ++tx_depth_;
  Status st = fn();
  --tx_depth_;
  if (st.ok()) {
    st = ExecScript(tx_depth_ == 0 ? "COMMIT" : "RELEASE " + sp);
    if (st.ok()) return st;
  }
  // Roll back; an automatic rollback by SQLite (e.g. after SQLITE_FULL) makes this a no-op.
  if (tx_depth_ == 0) {
    if (sqlite3_get_autocommit(db_) == 0) (void)ExecScript("ROLLBACK");
  } else {
    (void)ExecScript("ROLLBACK TO " + sp + "; RELEASE " + sp);
  }
  return st;
}

Status Database::Migrate(std::string_view module, std::span<const Migration> migrations) {
  std::vector<const Migration*> sorted;
  std::set<int> versions;
  for (const Migration& m : migrations) {
    if (m.version <= 0 || !versions.insert(m.version).second) {
      return Status::InvalidArgument("migration " + std::string(module) + " v" +
                                     std::to_string(m.version) + ": duplicate or invalid version");
    }
    sorted.push_back(&m);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  std::lock_guard lock(mu_);
  std::map<int, std::string> applied;
  NIMBUS_RETURN_IF_ERROR(Query("SELECT version, name FROM schema_migrations WHERE module = ?",
                               {module}, [&](const Row& r) {
                                 applied[static_cast<int>(r.Int(0))] = r.Text(1);
                                 return true;
                               }));
  std::vector<const Migration*> pending;
  for (const Migration* m : sorted) {
    auto it = applied.find(m->version);
    if (it == applied.end()) {
      pending.push_back(m);
    } else if (it->second != m->name) {
      return Status::FailedPrecondition("migration " + std::string(module) + " v" +
                                        std::to_string(m->version) + " (" + m->name +
                                        ") was applied as '" + it->second + "'");
    }
  }
  if (pending.empty()) return Status::Ok();  // up to date: the common start
  NIMBUS_RETURN_IF_ERROR(ExecScript(kSchemaSync));
  Status st = ApplyMigrations(module, pending);
  Status full = ExecScript(kFullSync);
  return st.ok() ? full : st;
}

Status Database::ApplyMigrations(std::string_view module,
                                 std::span<const Migration* const> pending) {
  for (const Migration* m : pending) {
    std::string label =
        std::string(module) + " v" + std::to_string(m->version) + " (" + m->name + ")";
    Status st = Transaction([&]() -> Status {
      NIMBUS_RETURN_IF_ERROR(ExecScript(m->sql));
      auto ins = Exec("INSERT INTO schema_migrations(module, version, name) VALUES (?, ?, ?)",
                      {module, m->version, m->name});
      return ins.ok() ? Status::Ok() : ins.error();
    });
    if (!st.ok()) return Status(st.code(), "migration " + label + ": " + st.message());
  }
  return Status::Ok();
}

Result<int> Database::SchemaVersion(std::string_view module) {
  int version = 0;
  Status st = Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE module = ?",
                    {module}, [&](const Row& r) {
                      version = static_cast<int>(r.Int(0));
                      return false;
                    });
  if (!st.ok()) return st;
  return version;
}

}  // namespace nimbus::store
