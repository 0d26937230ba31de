#include "store/resource_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "temp_dir.h"

namespace nimbus::store {
namespace {

using testing::TempDir;

class ResourceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(tmp_.path());
    ASSERT_TRUE(db.ok());
    db_ = std::move(db.value());
    ASSERT_TRUE(ResourceStore::Install(*db_).ok());
    store_ = std::make_unique<ResourceStore>(*db_, clock_);
  }

  static ResourceKey Key(std::string id, std::string account = "111111111111",
                         std::string region = "us-east-1", std::string kind = "fn") {
    return {std::move(account), std::move(region), std::move(kind), std::move(id)};
  }

  TempDir tmp_;
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<Database> db_;
  std::unique_ptr<ResourceStore> store_;
};

TEST_F(ResourceStoreTest, PutGetUpdateDelete) {
  ASSERT_TRUE(store_->Put(Key("a"), R"({"v":1})").ok());
  auto r = store_->Get(Key("a"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, R"({"v":1})");
  EXPECT_EQ(r->created_ms, 1700000000000);
  EXPECT_EQ(r->updated_ms, 1700000000000);
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(store_->Put(Key("a"), R"({"v":2})").ok());
  r = store_->Get(Key("a"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, R"({"v":2})");
  EXPECT_EQ(r->created_ms, 1700000000000);
  EXPECT_EQ(r->updated_ms, 1700000005000);
  ASSERT_TRUE(store_->Delete(Key("a")).ok());
  EXPECT_EQ(store_->Get(Key("a")).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(Key("a")).code(), StatusCode::kNotFound);
}

TEST_F(ResourceStoreTest, CreateRefusesExisting) {
  ASSERT_TRUE(store_->Create(Key("a"), "{}").ok());
  EXPECT_EQ(store_->Create(Key("a"), "{}").code(), StatusCode::kAlreadyExists);
}

TEST_F(ResourceStoreTest, NamespacesAreIsolated) {
  ASSERT_TRUE(store_->Put(Key("x", "111111111111", "us-east-1"), "1").ok());
  ASSERT_TRUE(store_->Put(Key("x", "222222222222", "us-east-1"), "2").ok());
  ASSERT_TRUE(store_->Put(Key("x", "111111111111", "eu-west-1"), "3").ok());
  ASSERT_TRUE(store_->Put(Key("x", "111111111111", "us-east-1", "topic"), "4").ok());
  EXPECT_EQ(store_->Get(Key("x", "111111111111", "us-east-1"))->body, "1");
  EXPECT_EQ(store_->Get(Key("x", "222222222222", "us-east-1"))->body, "2");
  EXPECT_EQ(store_->Get(Key("x", "111111111111", "eu-west-1"))->body, "3");
  EXPECT_EQ(store_->Get(Key("x", "111111111111", "us-east-1", "topic"))->body, "4");
  auto page = store_->List("111111111111", "us-east-1", "fn");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].body, "1");
  EXPECT_EQ(page->items[0].key.account_id, "111111111111");
}

TEST_F(ResourceStoreTest, ListPaginatesInIdOrder) {
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "f%02d", i);
    ASSERT_TRUE(store_->Put(Key(id), std::to_string(i)).ok());
  }
  std::vector<std::string> seen;
  ListOptions opts;
  opts.limit = 10;
  int pages = 0;
  while (true) {
    auto page = store_->List("111111111111", "us-east-1", "fn", opts);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const auto& r : page->items) seen.push_back(r.key.id);
    if (page->next_marker.empty()) break;
    opts.marker = page->next_marker;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "f00");
  EXPECT_EQ(seen.back(), "f24");
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  // Exactly `limit` items left: no next marker.
  opts = {};
  opts.marker = "f14";
  opts.limit = 10;
  auto last = store_->List("111111111111", "us-east-1", "fn", opts);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->items.size(), 10u);
  EXPECT_TRUE(last->next_marker.empty());
}

TEST_F(ResourceStoreTest, ListByPrefix) {
  for (std::string id : {"app-1", "app-2", "apq", "ap", "b", "app\xff", "app-3"}) {
    ASSERT_TRUE(store_->Put(Key(id), "{}").ok());
  }
  ListOptions opts;
  opts.id_prefix = "app";
  auto page = store_->List("111111111111", "us-east-1", "fn", opts);
  ASSERT_TRUE(page.ok());
  std::vector<std::string> ids;
  for (const auto& r : page->items) ids.push_back(r.key.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"app-1", "app-2", "app-3", "app\xff"}));
  opts.marker = "app-1";
  opts.limit = 1;
  page = store_->List("111111111111", "us-east-1", "fn", opts);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].key.id, "app-2");
  EXPECT_EQ(page->next_marker, "app-2");
  opts = {};
  opts.id_prefix = "\xff\xff";
  page = store_->List("111111111111", "us-east-1", "fn", opts);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
}

TEST_F(ResourceStoreTest, SurvivesReopen) {
  ASSERT_TRUE(store_->Put(Key("persist"), "body").ok());
  store_.reset();
  db_.reset();
  auto db = Database::Open(tmp_.path());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(ResourceStore::Install(**db).ok());
  ResourceStore again(**db);
  EXPECT_EQ(again.Get(Key("persist"))->body, "body");
}

TEST_F(ResourceStoreTest, WritesInsideATransactionAreAtomic) {
  Status st = db_->Transaction([&]() -> Status {
    NIMBUS_RETURN_IF_ERROR(store_->Put(Key("t1"), "1"));
    NIMBUS_RETURN_IF_ERROR(store_->Put(Key("t2"), "2"));
    return Status::Unavailable("abort");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(store_->Get(Key("t1")).ok());
  EXPECT_FALSE(store_->Get(Key("t2")).ok());
}

}  // namespace
}  // namespace nimbus::store
