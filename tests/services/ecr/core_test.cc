#include "services/ecr/core.h"

#include <gtest/gtest.h>

#include "auth/crypto.h"
#include "services/ecr/uploads.h"
#include "store/temp_dir.h"

namespace nimbus::ecr {
namespace {

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::OpenFile(dir_.path() + "/t.db");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(RepoStore::Install(*db_).ok());
    auto blobs = store::BlobStore::Open(dir_.path());
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::move(*blobs);
    core_ = std::make_unique<EcrCore>(*db_, *blobs_, clock_);
    uploads_ = std::make_unique<UploadTable>(*blobs_, clock_);
  }

  void CreateRepo(const std::string& name, const std::string& mutability = "MUTABLE") {
    RepoRow r;
    r.name = name;
    r.mutability = mutability;
    ASSERT_TRUE(core_->repos().CreateRepo(ns_, r).ok());
  }

  std::string PushBlob(const std::string& repo, const std::string& data) {
    auto u = uploads_->Start(ns_, repo);
    EXPECT_TRUE(u.ok());
    EXPECT_TRUE((*u)->writer->Append(data).ok());
    std::string digest = "sha256:" + auth::Sha256Hex(data);
    auto c = core_->CommitBlob(ns_, repo, *(*u)->writer, digest);
    EXPECT_TRUE(c.ok());
    (*u)->writer.reset();  // the lease ends with `u`
    return digest;
  }

  // A manifest over a fresh config and one layer holding `content`.
  std::string Manifest(const std::string& repo, const std::string& content) {
    std::string config = R"({"architecture":"amd64","os":"linux","c":")" + content + "\"}";
    std::string cd = PushBlob(repo, config);
    std::string ld = PushBlob(repo, "layer:" + content);
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
           R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
           cd + R"(","size":)" + std::to_string(config.size()) +
           R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" + ld +
           R"(","size":)" + std::to_string(6 + content.size()) + "}]}";
  }

  store::testing::TempDir dir_;
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<EcrCore> core_;
  std::unique_ptr<UploadTable> uploads_;
  Scope ns_{"000000000000", "us-east-1"};
};

TEST_F(CoreTest, RepushingATagMovesItAndKeepsTheOldImageByDigest) {
  CreateRepo("demo");
  std::string m1 = Manifest("demo", "one");
  auto p1 = core_->PutManifest(ns_, "demo", "1.10", m1, "");
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  clock_.Advance(std::chrono::seconds(1));
  std::string m2 = Manifest("demo", "two");
  auto p2 = core_->PutManifest(ns_, "demo", "1.10", m2, "");
  ASSERT_TRUE(p2.ok());
  auto images = core_->repos().ListImages(ns_, "demo");
  ASSERT_TRUE(images.ok());
  ASSERT_EQ(images->size(), 2u);
  EXPECT_TRUE((*images)[0].tags.empty());
  EXPECT_EQ((*images)[1].tags, std::vector<std::string>{"1.10"});
  auto old = core_->GetManifest(ns_, "demo", p1->digest, false);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->bytes, m1);
  auto cur = core_->GetManifest(ns_, "demo", "1.10", false);
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(cur->digest, p2->digest);
}

TEST_F(CoreTest, ImmutableRepositoryRefusesToMoveATag) {
  CreateRepo("imm", "IMMUTABLE");
  ASSERT_TRUE(core_->PutManifest(ns_, "imm", "v1", Manifest("imm", "a"), "").ok());
  std::string same = Manifest("imm", "a");
  EXPECT_TRUE(core_->PutManifest(ns_, "imm", "v1", same, "").ok());  // same digest: fine
  auto r = core_->PutManifest(ns_, "imm", "v1", Manifest("imm", "b"), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Err::kTagImmutable);
  auto images = core_->repos().ListImages(ns_, "imm");
  EXPECT_EQ(images->size(), 1u);  // nothing half-stored
}

TEST_F(CoreTest, ManifestWithUnknownBlobIsRefused) {
  CreateRepo("demo");
  CreateRepo("other");
  std::string m = Manifest("other", "x");  // blobs linked into "other" only
  auto r = core_->PutManifest(ns_, "demo", "t", m, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Err::kManifestBlobUnknown);
  EXPECT_TRUE(core_->repos().ListImages(ns_, "demo")->empty());
  auto bad = core_->PutManifest(ns_, "other", "t", "{not json", "");
  EXPECT_EQ(bad.error().code, Err::kManifestInvalid);
  auto wrong = core_->PutManifest(ns_, "other", "sha256:" + std::string(64, '0'), m, "");
  EXPECT_EQ(wrong.error().code, Err::kDigestInvalid);
}

TEST_F(CoreTest, DigestMismatchNeverPublishes) {
  CreateRepo("demo");
  auto u = uploads_->Start(ns_, "demo");
  ASSERT_TRUE((*u)->writer->Append("hello").ok());
  std::string wrong = "sha256:" + auth::Sha256Hex("hell");
  auto c = core_->CommitBlob(ns_, "demo", *(*u)->writer, wrong);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Err::kDigestInvalid);
  EXPECT_FALSE(blobs_->Has("sha256:" + auth::Sha256Hex("hello")));
  EXPECT_FALSE(blobs_->Has(wrong));
}

TEST_F(CoreTest, DeletingAnImageCollectsOnlyUnsharedBlobs) {
  CreateRepo("a1");
  CreateRepo("b1");
  std::string m = Manifest("a1", "shared");
  Manifest("b1", "shared");  // same blobs linked into b1 too
  auto p = core_->PutManifest(ns_, "a1", "t", m, "");
  ASSERT_TRUE(p.ok());
  std::string layer = "sha256:" + auth::Sha256Hex("layer:shared");
  ASSERT_TRUE(core_->DeleteImages(ns_, "a1", {p->digest}).ok());
  EXPECT_FALSE(blobs_->Has(p->digest));
  EXPECT_TRUE(blobs_->Has(layer));  // still linked in b1
  EXPECT_FALSE(core_->Blob(ns_, "a1", layer).ok());
  ASSERT_TRUE(core_->DeleteRepository(ns_, "b1").ok());
  EXPECT_FALSE(blobs_->Has(layer));
}

TEST_F(CoreTest, LifecycleExpiresUntaggedOnPush) {
  CreateRepo("lc");
  RepoRow repo = *core_->repos().GetRepo(ns_, "lc");
  repo.lifecycle =
      R"({"rules":[{"rulePriority":1,"description":"drop untagged","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]})";
  ASSERT_TRUE(core_->repos().UpdateRepo(ns_, repo).ok());
  std::vector<std::string> digests;
  for (const char* c : {"1", "2", "3"}) {
    clock_.Advance(std::chrono::seconds(1));
    auto p = core_->PutManifest(ns_, "lc", "latest", Manifest("lc", c), "");
    ASSERT_TRUE(p.ok());
    digests.push_back(p->digest);
  }
  // Untagged: images 1 and 2; the policy keeps 1 untagged image (the newest, 2).
  auto images = core_->repos().ListImages(ns_, "lc");
  ASSERT_EQ(images->size(), 2u);
  EXPECT_EQ((*images)[0].digest, digests[1]);
  EXPECT_EQ((*images)[1].digest, digests[2]);
  EXPECT_FALSE(blobs_->Has(digests[0]));
}

TEST_F(CoreTest, MountLinksWithinTheNamespaceOnly) {
  CreateRepo("src");
  CreateRepo("dst");
  std::string d = PushBlob("src", "data");
  EXPECT_TRUE(core_->Mount(ns_, "dst", "src", d).ok());
  EXPECT_TRUE(core_->Blob(ns_, "dst", d).ok());
  Scope other{"111111111111", "us-east-1"};
  RepoRow r;
  r.name = "dst";
  ASSERT_TRUE(core_->repos().CreateRepo(other, r).ok());
  EXPECT_FALSE(core_->Mount(other, "dst", "src", d).ok());
}

}  // namespace
}  // namespace nimbus::ecr
