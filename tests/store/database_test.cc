#include "store/database.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>
#include <vector>

#include "temp_dir.h"

namespace nimbus::store {
namespace {

using testing::TempDir;

const Migration kV1[] = {{1, "items", "CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER);"}};
const Migration kV2[] = {
    {1, "items", "CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER);"},
    {2, "children",
     "CREATE TABLE children (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES items(id));"
     "CREATE INDEX children_parent ON children(parent);"},
};

TEST(Database, OpenCreatesPrivateDataDirAndIsFast) {
  TempDir tmp;
  std::string dir = tmp.path() + "/a/b/data";
  auto start = std::chrono::steady_clock::now();
  auto db = Database::Open(dir);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(db.ok()) << db.error().ToString();
  EXPECT_LT(elapsed, std::chrono::milliseconds(50));  // budget is 10 ms; slack for CI noise
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ((*db)->path(), dir + "/nimbus.db");
  std::string mode;
  ASSERT_TRUE((*db)
                  ->Query("PRAGMA journal_mode", {},
                          [&](const Row& r) {
                            mode = r.Text(0);
                            return false;
                          })
                  .ok());
  EXPECT_EQ(mode, "wal");
  int64_t sync = -1, fk = -1;
  ASSERT_TRUE((*db)
                  ->Query("PRAGMA synchronous", {},
                          [&](const Row& r) {
                            sync = r.Int(0);
                            return false;
                          })
                  .ok());
  ASSERT_TRUE((*db)
                  ->Query("PRAGMA foreign_keys", {},
                          [&](const Row& r) {
                            fk = r.Int(0);
                            return false;
                          })
                  .ok());
  EXPECT_EQ(sync, 2);  // FULL
  EXPECT_EQ(fk, 1);
}

TEST(Database, MigrationsApplyOnceAndInOrder) {
  TempDir tmp;
  {
    auto db = Database::Open(tmp.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Migrate("m", kV1).ok());
    EXPECT_EQ(*(*db)->SchemaVersion("m"), 1);
    ASSERT_TRUE((*db)->Migrate("m", kV1).ok());  // idempotent
    EXPECT_EQ(*(*db)->SchemaVersion("other"), 0);
  }
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Migrate("m", kV2).ok());
  EXPECT_EQ(*(*db)->SchemaVersion("m"), 2);
  ASSERT_TRUE((*db)->Exec("INSERT INTO items(id, n) VALUES (?, ?)", {"a", 1}).ok());
  // Foreign keys are enforced.
  auto bad = (*db)->Exec("INSERT INTO children(id, parent) VALUES (?, ?)", {"c", "nope"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kFailedPrecondition);
}

TEST(Database, FailedMigrationRollsBackCompletely) {
  TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  const Migration broken[] = {
      {1, "half", "CREATE TABLE t1 (x); CREATE TABLE t1 (y);"},
  };
  Status st = (*db)->Migrate("m", broken);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("migration m v1 (half)"), std::string::npos) << st.message();
  EXPECT_EQ(*(*db)->SchemaVersion("m"), 0);
  EXPECT_FALSE((*db)->Exec("INSERT INTO t1 VALUES (1)").ok());  // t1 was rolled back
}

TEST(Database, MigrationValidation) {
  TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  const Migration dup[] = {{1, "a", "SELECT 1;"}, {1, "b", "SELECT 1;"}};
  EXPECT_EQ((*db)->Migrate("m", dup).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE((*db)->Migrate("m", kV1).ok());
  const Migration renamed[] = {{1, "something else", "SELECT 1;"}};
  EXPECT_EQ((*db)->Migrate("m", renamed).code(), StatusCode::kFailedPrecondition);
}

TEST(Database, ParametersAreBoundNotInterpolated) {
  TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Migrate("m", kV1).ok());
  std::string evil = "x'); DROP TABLE items; --";
  ASSERT_TRUE((*db)->Exec("INSERT INTO items(id, n) VALUES (?, ?)", {evil, nullptr}).ok());
  std::string got;
  bool null_n = false;
  ASSERT_TRUE((*db)
                  ->Query("SELECT id, n FROM items WHERE id = ?", {evil},
                          [&](const Row& r) {
                            got = r.Text(0);
                            null_n = r.IsNull(1);
                            return true;
                          })
                  .ok());
  EXPECT_EQ(got, evil);
  EXPECT_TRUE(null_n);
  EXPECT_EQ((*db)->Exec("INSERT INTO items(id) VALUES (?)", {}).error().code(),
            StatusCode::kInvalidArgument);  // wrong parameter count
  EXPECT_EQ((*db)->Exec("INSERT INTO items(id, n) VALUES (?, ?)", {evil, 2}).error().code(),
            StatusCode::kAlreadyExists);
}

TEST(Database, TransactionsCommitRollbackAndNest) {
  TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  Database& d = **db;
  ASSERT_TRUE(d.Migrate("m", kV1).ok());
  Status st = d.Transaction([&]() -> Status {
    EXPECT_TRUE(d.Exec("INSERT INTO items(id) VALUES ('a')").ok());
    return Status::Internal("boom");
  });
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  ASSERT_TRUE(d.Transaction([&]() -> Status {
                 EXPECT_TRUE(d.Exec("INSERT INTO items(id) VALUES ('b')").ok());
                 Status inner = d.Transaction([&]() -> Status {
                   EXPECT_TRUE(d.Exec("INSERT INTO items(id) VALUES ('c')").ok());
                   return Status::Internal("inner fails");
                 });
                 EXPECT_FALSE(inner.ok());
                 return Status::Ok();
               }).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(d.Query("SELECT id FROM items ORDER BY id", {}, [&](const Row& r) {
                 ids.push_back(r.Text(0));
                 return true;
               }).ok());
  EXPECT_EQ(ids, std::vector<std::string>{"b"});
}

TEST(Database, ConcurrentWritersAreSerialized) {
  TempDir tmp;
  auto db = Database::Open(tmp.path());
  ASSERT_TRUE(db.ok());
  Database& d = **db;
  ASSERT_TRUE(d.Migrate("m", kV1).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(d.Exec("INSERT INTO items(id, n) VALUES (?, ?)", {id, i}).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  int64_t count = 0;
  ASSERT_TRUE(d.Query("SELECT COUNT(*) FROM items", {}, [&](const Row& r) {
                 count = r.Int(0);
                 return false;
               }).ok());
  EXPECT_EQ(count, 100);
}

TEST(Database, OpenFailsCleanlyOnGarbageFile) {
  TempDir tmp;
  std::string path = tmp.path() + "/nimbus.db";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("this is definitely not a sqlite database file, just some text padding......\n", f);
  std::fclose(f);
  auto db = Database::Open(tmp.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), StatusCode::kCorruption) << db.error().ToString();
}

}  // namespace
}  // namespace nimbus::store
