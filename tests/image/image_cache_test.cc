#include "image/image_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "image/root_fixture.h"
#include "image/tar_builder.h"
#include "services/ecr/api/image_reader.h"

namespace nimbus::image {
namespace {

namespace fs = std::filesystem;
using testing::TarBuilder;

// nimbus's registry, in memory: one image per (account, repository, tag).
class FakeReader : public ecr::ImageReader {
 public:
  explicit FakeReader(std::string dir) : dir_(std::move(dir)) {}

  // Adds an image of `layers` as repo:tag in `account`; returns its digest.
  std::string Add(const std::string& account, const std::string& repo, const std::string& tag,
                  const std::vector<TarBuilder>& layers,
                  const std::string& entrypoint = "/bin/sh") {
    ecr::ResolvedImage image;
    std::string diff_ids;
    for (const auto& l : layers) {
      std::string blob = testing::Gzip(l.Tar());
      std::string digest = "sha256:" + store::Hasher::Hex(blob);
      std::ofstream(dir_ + "/" + digest.substr(7), std::ios::binary) << blob;
      image.layers.push_back({"application/vnd.oci.image.layer.v1.tar+gzip", digest,
                              static_cast<int64_t>(blob.size())});
      diff_ids += (diff_ids.empty() ? "\"" : ",\"") + l.DiffId() + "\"";
    }
    image.config = R"({"os":"linux","architecture":"amd64","config":{"Entrypoint":[")" +
                   entrypoint + R"("]},"rootfs":{"type":"layers","diff_ids":[)" + diff_ids + "]}}";
    image.manifest = "manifest of " + repo + ":" + tag + image.config;
    image.digest = image.manifest_digest = "sha256:" + store::Hasher::Hex(image.manifest);
    std::lock_guard lock(mu_);
    images_[account + "/" + repo + ":" + tag] = image;
    images_[account + "/" + repo + ":" + image.digest] = image;
    return image.digest;
  }

  Result<ecr::ResolvedImage> Resolve(const Scope& scope, const std::string& repo,
                                     const std::string& reference, const ecr::Platform&) override {
    std::lock_guard lock(mu_);
    ++resolves_;
    auto it = images_.find(scope.account + "/" + repo + ":" + reference);
    if (it == images_.end()) return Status::NotFound(repo + ":" + reference + ": not found");
    return it->second;
  }
  Result<std::string> ResolveDigest(const Scope& scope, const std::string& repo,
                                    const std::string& reference) override {
    auto r = Resolve(scope, repo, reference, {});
    if (!r.ok()) return r.error();
    return r->digest;
  }
  Result<ecr::TagState> Tag(const Scope&, const std::string&, const std::string&) override {
    return Status::Unimplemented("not in the fake");
  }
  Result<std::string> BlobPath(const Scope&, const std::string&,
                               const std::string& digest) override {
    return dir_ + "/" + digest.substr(7);
  }
  int resolves() {
    std::lock_guard lock(mu_);
    return resolves_;
  }

 private:
  std::string dir_;
  std::mutex mu_;
  std::map<std::string, ecr::ResolvedImage> images_;
  int resolves_ = 0;
};

class ImageCacheTest : public testing::RootTest {
 protected:
  void SetUp() override {
    RootTest::SetUp();
    if (IsSkipped()) return;
    fs::create_directories(root_ + "/registry");
    reader_ = std::make_shared<FakeReader>(root_ + "/registry");
    ImageCacheOptions o;
    o.root = root_ + "/images";
    o.registry = reader_;
    o.nimbus_hosts = {"127.0.0.1:4566"};
    auto cache = ImageCache::Open(o);
    ASSERT_TRUE(cache.ok()) << cache.error().ToString();
    cache_ = std::move(*cache);
  }
  void TearDown() override { cache_.reset(); }
  std::shared_ptr<FakeReader> reader_;
  std::unique_ptr<ImageCache> cache_;
  Scope scope_{"000000000000", "us-east-1"};
};

TEST_F(ImageCacheTest, PreparesLayersBottomFirstAndOnlyOnce) {
  TarBuilder base, top;
  base.File("etc/os-release", "base").File("etc/motd", "hi");
  top.File("etc/.wh.motd", "").File("app", "top");
  std::string digest = reader_->Add("000000000000", "app", "v1", {base, top});
  auto p = cache_->Prepare(scope_, "127.0.0.1:4566/app:v1", 100000);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->digest, digest);
  EXPECT_EQ(p->manifest_digest, digest);
  EXPECT_EQ(p->repository_uri, "127.0.0.1:4566/app");
  EXPECT_EQ(p->image, "127.0.0.1:4566/app:v1");
  EXPECT_EQ(p->config.entrypoint, std::vector<std::string>{"/bin/sh"});
  ASSERT_EQ(p->layers.size(), 2u);
  EXPECT_TRUE(fs::exists(p->layers[0] + "/etc/os-release"));
  EXPECT_TRUE(fs::exists(p->layers[1] + "/app"));
  EXPECT_NE(p->layers[0].find(base.DiffId().substr(7)), std::string::npos);
  // Again, by digest: the same directories, nothing unpacked again.
  auto again = cache_->Prepare(scope_, "127.0.0.1:4566/app@" + digest, 100000);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->layers, p->layers);
  EXPECT_EQ(again->image, "127.0.0.1:4566/app@" + digest);
}

TEST_F(ImageCacheTest, ConcurrentPreparesOfOneImageUnpackEachLayerOnce) {
  std::vector<TarBuilder> layers(3);
  for (int i = 0; i < 3; ++i) layers[i].File("f" + std::to_string(i), std::string(200000, 'a' + i));
  reader_->Add("000000000000", "many", "latest", layers);
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> got(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto p = cache_->Prepare(scope_, "127.0.0.1:4566/many", 0);
      ASSERT_TRUE(p.ok()) << p.error().ToString();
      got[i] = p->layers;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  size_t dirs =
      std::distance(fs::directory_iterator(root_ + "/images/layers"), fs::directory_iterator());
  EXPECT_EQ(dirs, 3u);
}

TEST_F(ImageCacheTest, RealEcrUrisResolveInTheirAccountAndRegion) {
  TarBuilder l;
  l.File("x", "x");
  std::string digest = reader_->Add("123456789012", "web", "1.0", {l});
  auto p = cache_->Prepare(scope_, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0", 0);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->digest, digest);
  auto r = cache_->ResolveDigest(scope_, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->digest, digest);
  EXPECT_TRUE(r->layers.empty());
  // The caller's own account does not have it.
  auto missing = cache_->Prepare(scope_, "127.0.0.1:4566/web:1.0", 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(PullFailureReason("127.0.0.1:4566/web:1.0", missing.error()),
            "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to "
            "resolve ref 127.0.0.1:4566/web:1.0: 127.0.0.1:4566/web:1.0: not found");
}

TEST_F(ImageCacheTest, BadReferencesAndBrokenImages) {
  auto bad = cache_->Prepare(scope_, "127.0.0.1:4566/App", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  TarBuilder l;
  l.File("../escape", "x");
  reader_->Add("000000000000", "evil", "latest", {l});
  auto evil = cache_->Prepare(scope_, "127.0.0.1:4566/evil", 0);
  ASSERT_FALSE(evil.ok());
  EXPECT_EQ(evil.error().code(), StatusCode::kCorruption);
  EXPECT_NE(evil.error().message().find("failed to extract layer"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(root_ + "/images/tmp"));
  auto remote = cache_->Prepare(scope_, "busybox", 0);
  ASSERT_FALSE(remote.ok());
  EXPECT_EQ(remote.error().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace nimbus::image
