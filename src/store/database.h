// Durable metadata: one SQLite database at <data-dir>/nimbus.db.
//
// Durability: WAL journal with synchronous=FULL, so a statement or transaction that returned OK
// survives kill -9 and (as far as SQLite and the filesystem guarantee) power loss. Foreign keys
// are enforced. The page cache is small (cache_size) to keep idle memory low.
//
// Threading: one connection guarded by a recursive mutex. Every public method may be called
// from any thread; calls are serialized. Inside Transaction(fn), `fn` runs on the calling
// thread with the lock held and may call any method (including those of stores built on it, and
// nested Transaction, which becomes a savepoint); other threads wait until it returns.
//
// SQL text must be a constant written by the developer; user data goes only through bound
// parameters (Param). Prepared statements are cached by SQL text.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nimbus::store {

// Raw bytes to bind as a BLOB (a string_view binds as TEXT).
struct BlobParam {
  std::string_view bytes;
};

// A bound parameter value. Views must stay valid for the duration of the call.
class Param {
 public:
  Param(std::nullptr_t) {}                                  // NOLINT: NULL
  Param(int v) : v_(static_cast<int64_t>(v)) {}             // NOLINT
  Param(int64_t v) : v_(v) {}                               // NOLINT
  Param(double v) : v_(v) {}                                // NOLINT
  Param(std::string_view v) : v_(v) {}                      // NOLINT: TEXT
  Param(const std::string& v) : v_(std::string_view(v)) {}  // NOLINT: TEXT
  Param(const char* v) : v_(std::string_view(v)) {}         // NOLINT: TEXT
  Param(BlobParam v) : v_(v) {}                             // NOLINT: BLOB
  const auto& value() const { return v_; }

 private:
  std::variant<std::monostate, int64_t, double, std::string_view, BlobParam> v_;
};

// The current row of a query; valid only inside the row callback.
class Row {
 public:
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}
  int columns() const;
  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Real(int col) const;
  std::string_view TextView(int col) const;  // valid until the callback returns
  std::string Text(int col) const { return std::string(TextView(col)); }
  std::string Blob(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

// One schema change of a module. Versions are per module and applied in increasing order.
struct Migration {
  int version;
  std::string name;
  std::string sql;  // may hold several statements; developer-written only
};

struct DatabaseOptions {
  int cache_kib = 512;         // page cache budget (PRAGMA cache_size = -cache_kib)
  int busy_timeout_ms = 5000;  // wait for locks held by other connections
};

class Database {
 public:
  // Opens (creating if needed, mode 0700 dir) <data_dir>/nimbus.db.
  static Result<std::unique_ptr<Database>> Open(const std::string& data_dir,
                                                DatabaseOptions options = {});
  // Opens a database file at `path` (":memory:" works for tests).
  static Result<std::unique_ptr<Database>> OpenFile(const std::string& path,
                                                    DatabaseOptions options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Applies `module`'s migrations not yet recorded in schema_migrations, each in its own
  // transaction (all-or-nothing per migration), committed at synchronous=NORMAL (a power loss
  // may undo a migration no data depends on yet; the next start applies it again). When up to
  // date, costs one indexed read. InvalidArgument on duplicate versions; FailedPrecondition if
  // a recorded version has a different name (diverged schema).
  Status Migrate(std::string_view module, std::span<const Migration> migrations);
  // Highest applied version of `module`, 0 when none.
  Result<int> SchemaVersion(std::string_view module);

  // Runs one statement; returns the number of rows changed.
  Result<int64_t> Exec(std::string_view sql, std::initializer_list<Param> params = {});
  // Runs a query, calling on_row for each result row (stop early by returning false).
  Status Query(std::string_view sql, std::initializer_list<Param> params,
               const std::function<bool(const Row&)>& on_row);
  // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back when fn returns an error (which is
  // returned) or when COMMIT fails. Nested calls use savepoints.
  Status Transaction(const std::function<Status()>& fn);

  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<sqlite3_stmt*> Prepare(std::string_view sql);
  Status Bind(sqlite3_stmt* stmt, std::initializer_list<Param> params);
  Status ExecScript(const std::string& sql);
  // Migrate's second half: applies `pending` (sorted, not yet applied) with mu_ held.
  Status ApplyMigrations(std::string_view module, std::span<const Migration* const> pending);
  Status Error(int rc, std::string_view context) const;

  std::recursive_mutex mu_;
  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
  int tx_depth_ = 0;
};

}  // namespace nimbus::store
