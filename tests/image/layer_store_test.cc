#include "image/layer_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "image/root_fixture.h"
#include "image/tar_builder.h"

namespace nimbus::image {
namespace {

namespace fs = std::filesystem;
using testing::TarBuilder;

using LayerStoreTest = testing::RootTest;

TEST_F(LayerStoreTest, ConcurrentGetsShareOneUnpack) {
  auto store = LayerStore::Open(root_ + "/cache");
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  TarBuilder t;
  t.File("a", std::string(1 << 20, 'a')).File("b", "b");
  std::string blob = Blob(testing::Gzip(t.Tar()));
  std::atomic<int> fetches{0};
  std::vector<std::thread> threads;
  std::vector<std::string> dirs(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto dir = (*store)->Get(t.DiffId(), 100000, [&]() -> Result<std::string> {
        ++fetches;
        return blob;
      });
      ASSERT_TRUE(dir.ok()) << dir.error().ToString();
      dirs[i] = *dir;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ((*store)->unpacks(), 1u);
  EXPECT_EQ(fetches.load(), 1);
  for (const auto& d : dirs) EXPECT_EQ(d, dirs[0]);
  EXPECT_EQ(fs::file_size(dirs[0] + "/a"), 1u << 20);
  // Another id offset is another directory; the same one is not unpacked again.
  auto other = (*store)->Get(t.DiffId(), 0, [&]() -> Result<std::string> { return blob; });
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, dirs[0]);
  EXPECT_EQ((*store)->unpacks(), 2u);
  // A new store over the same root finds both without unpacking.
  auto again = LayerStore::Open(root_ + "/cache");
  ASSERT_TRUE(again.ok());
  auto found = (*again)->Get(t.DiffId(), 100000, []() -> Result<std::string> {
    return Status::Internal("must not be called");
  });
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  EXPECT_EQ(*found, dirs[0]);
  EXPECT_EQ((*again)->unpacks(), 0u);
}

TEST_F(LayerStoreTest, DiffIdMismatchLeavesNothingAndLaterGetsRetry) {
  auto store = LayerStore::Open(root_ + "/cache");
  ASSERT_TRUE(store.ok());
  TarBuilder good;
  good.File("a", "good");
  TarBuilder evil;
  evil.File("a", "evil");
  std::string wrong = Blob(evil.Tar());
  auto r = (*store)->Get(good.DiffId(), 0, [&]() -> Result<std::string> { return wrong; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
  EXPECT_NE(r.error().message().find("diff id mismatch"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(root_ + "/cache/layers"));
  EXPECT_TRUE(fs::is_empty(root_ + "/cache/tmp"));
  std::string right = Blob(testing::Zstd(good.Tar()));
  auto ok = (*store)->Get(good.DiffId(), 0, [&]() -> Result<std::string> { return right; });
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  std::ifstream in(*ok + "/a");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "good");
}

TEST_F(LayerStoreTest, UnpacksAKilledProcessLeftAreRemovedAtOpen) {
  ASSERT_TRUE(LayerStore::Open(root_ + "/cache").ok());
  std::string left = root_ + "/cache/tmp/4242-0";
  fs::create_directories(left + "/usr/bin");
  std::ofstream(left + "/usr/bin/half") << "partial";
  ASSERT_EQ(::symlink("/etc", (left + "/escape").c_str()), 0);
  auto store = LayerStore::Open(root_ + "/cache");
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE(fs::is_empty(root_ + "/cache/tmp"));
  EXPECT_TRUE(fs::exists("/etc/passwd"));  // the symlink was removed, not followed
}

}  // namespace
}  // namespace nimbus::image
