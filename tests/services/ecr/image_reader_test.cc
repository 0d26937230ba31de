// ECR's ImageReader (api/image_reader.h) and the image cache ECR publishes, over images pushed
// through ECR's own API in process (the provider harness).
#include "services/ecr/api/image_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "image/image_cache.h"
#include "image/tar_builder.h"
#include "services/provider_harness.h"
#include "store/sha256.h"

namespace nimbus::ecr {
namespace {

namespace fs = std::filesystem;
using image::testing::TarBuilder;

std::string Sha(const std::string& data) { return "sha256:" + store::Hasher::Hex(data); }

class EcrImagesTest : public ::testing::Test {
 protected:
  // Uploads `data` into `repo` with InitiateLayerUpload/UploadLayerPart/CompleteLayerUpload.
  std::string Upload(const std::string& repo, const std::string& data,
                     const std::string& account = "000000000000",
                     const std::string& region = "us-east-1") {
    auto up = h_.Call("ecr", "InitiateLayerUpload", {{"repositoryName", repo}}, account, region);
    EXPECT_TRUE(up.ok());
    std::string id = (*up)["uploadId"];
    Value part = {{"repositoryName", repo},
                  {"uploadId", id},
                  {"partFirstByte", 0},
                  {"partLastByte", static_cast<int64_t>(data.size()) - 1}};
    part["layerPartBlob"] = BlobValue(data);
    EXPECT_TRUE(h_.Call("ecr", "UploadLayerPart", part, account, region).ok());
    auto done = h_.Call("ecr", "CompleteLayerUpload",
                        {{"repositoryName", repo}, {"uploadId", id}, {"layerDigests", {Sha(data)}}},
                        account, region);
    // A blob the repository has already is refused as it is on AWS, and is there: fine.
    EXPECT_TRUE(done.ok() || done.error().code == "LayerAlreadyExistsException")
        << done.error().message;
    return Sha(data);
  }

  // Pushes an image of `layers` as repo:tag; returns the manifest.
  std::string Push(const std::string& repo, const std::string& tag,
                   const std::vector<TarBuilder>& layers, const std::string& arch = "amd64",
                   const std::string& account = "000000000000",
                   const std::string& region = "us-east-1") {
    (void)h_.Call("ecr", "CreateRepository", {{"repositoryName", repo}}, account, region);
    Value descs = Value::array(), diff_ids = Value::array();
    for (const auto& l : layers) {
      std::string blob = image::testing::Gzip(l.Tar());
      descs.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                       {"digest", Upload(repo, blob, account, region)},
                       {"size", blob.size()}});
      diff_ids.push_back(l.DiffId());
    }
    std::string config = Value{{"architecture", arch},
                               {"os", "linux"},
                               {"config", {{"Cmd", {"/bin/sh"}}, {"WorkingDir", "/w"}}},
                               {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                             .dump();
    std::string manifest = Value{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config",
         {{"mediaType", "application/vnd.oci.image.config.v1+json"},
          {"digest", Upload(repo, config, account, region)},
          {"size", config.size()}}},
        {"layers", descs}}.dump();
    PutManifest(repo, tag, manifest, "application/vnd.oci.image.manifest.v1+json", account, region);
    return manifest;
  }

  void PutManifest(const std::string& repo, const std::string& tag, const std::string& manifest,
                   const std::string& media_type, const std::string& account = "000000000000",
                   const std::string& region = "us-east-1") {
    Value put = {{"repositoryName", repo},
                 {"imageManifest", manifest},
                 {"imageManifestMediaType", media_type}};
    if (!tag.empty()) put["imageTag"] = tag;
    auto r = h_.Call("ecr", "PutImage", put, account, region);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  testing::ProviderHarness h_{{"ecr"}};
  Scope scope_{"000000000000", "us-east-1"};
};

TEST_F(EcrImagesTest, ResolvesTagsDigestsAndBlobs) {
  TarBuilder l1, l2;
  l1.File("a", "1");
  l2.File("b", "2");
  std::string manifest = Push("team/app", "v1", {l1, l2});
  auto reader = h_.links().ecr_images;
  ASSERT_TRUE(reader);
  auto r = reader->Resolve(scope_, "team/app", "v1");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->digest, Sha(manifest));
  EXPECT_EQ(r->manifest_digest, Sha(manifest));
  EXPECT_EQ(r->manifest, manifest);
  EXPECT_EQ(r->manifest_media_type, "application/vnd.oci.image.manifest.v1+json");
  ASSERT_EQ(r->layers.size(), 2u);
  EXPECT_EQ(r->layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_NE(r->config.find("\"WorkingDir\":\"/w\""), std::string::npos);
  auto path = reader->BlobPath(scope_, "team/app", r->layers[1].digest);
  ASSERT_TRUE(path.ok()) << path.error().ToString();
  EXPECT_EQ(fs::file_size(*path), static_cast<uintmax_t>(r->layers[1].size));
  auto by_digest = reader->ResolveDigest(scope_, "team/app", r->digest);
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(*by_digest, r->digest);
  auto tag = reader->Tag(scope_, "team/app", "v1");
  ASSERT_TRUE(tag.ok()) << tag.error().ToString();
  EXPECT_EQ(tag->digest, r->digest);
  EXPECT_EQ(tag->pushed_at_ms, testing::ProviderHarness::kStartMillis);
  // Pushing the tag again moves it.
  h_.clock().Advance(std::chrono::seconds(60));
  std::string second = Push("team/app", "v1", {l2});
  auto moved = reader->Tag(scope_, "team/app", "v1");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->digest, Sha(second));
  EXPECT_EQ(moved->pushed_at_ms, testing::ProviderHarness::kStartMillis + 60000);
}

TEST_F(EcrImagesTest, PicksTheHostPlatformFromAnIndex) {
  TarBuilder l;
  l.File("x", "x");
  std::string amd = Push("multi", "", {l}, "amd64");
  std::string arm = Push("multi", "", {l}, "arm64");
  auto entry = [](const std::string& m, const std::string& arch) {
    return Value{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                 {"digest", Sha(m)},
                 {"size", m.size()},
                 {"platform", {{"os", "linux"}, {"architecture", arch}}}};
  };
  std::string index = Value{{"schemaVersion", 2},
                            {"mediaType", "application/vnd.oci.image.index.v1+json"},
                            {"manifests", {entry(arm, "arm64"), entry(amd, "amd64")}}}
                          .dump();
  PutManifest("multi", "latest", index, "application/vnd.oci.image.index.v1+json");
  std::string arm_only = Value{{"schemaVersion", 2},
                               {"mediaType", "application/vnd.oci.image.index.v1+json"},
                               {"manifests", {entry(arm, "arm64")}}}
                             .dump();
  PutManifest("multi", "arm", arm_only, "application/vnd.oci.image.index.v1+json");
  auto reader = h_.links().ecr_images;
  auto r = reader->Resolve(scope_, "multi", "latest");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->digest, Sha(index));
  EXPECT_EQ(r->manifest_digest, Sha(amd));
  auto none = reader->Resolve(scope_, "multi", "arm");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.error().message(), "multi:arm: no match for platform in manifest: not found");
}

TEST_F(EcrImagesTest, NotFoundTextsForCannotPullContainerError) {
  TarBuilder l;
  l.File("x", "x");
  Push("app", "v1", {l});
  auto reader = h_.links().ecr_images;
  const std::string missing = "sha256:" + std::string(64, '0');
  const std::pair<std::pair<std::string, std::string>, std::string> rows[] = {
      {{"nope", "latest"}, "nope:latest: not found"},
      {{"app", "v2"}, "app:v2: not found"},
      {{"app", missing}, "app@" + missing + ": manifest unknown"},
  };
  for (const auto& [in, message] : rows) {
    auto r = reader->Resolve(scope_, in.first, in.second);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
    EXPECT_EQ(r.error().message(), message);
  }
  auto blob = reader->BlobPath(scope_, "app", missing);
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.error().message(), "app@" + missing + ": blob unknown");
  // Another account's repository of the same name is another repository.
  auto other = reader->Resolve(Scope{"123456789012", "us-east-1"}, "app", "v1");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), StatusCode::kNotFound);
}

TEST_F(EcrImagesTest, TheCacheEcrPublishesPreparesItsImages) {
  if (::geteuid() != 0) GTEST_SKIP() << "unpacking layers needs root";
  TarBuilder base, top;
  base.File("etc/motd", "base").File("bin/tool", "t");
  top.File("etc/.wh.motd", "").File("app/run", "r");
  std::string manifest = Push("web", "1.0", {base, top}, "amd64", "123456789012", "eu-west-1");
  auto cache = h_.links().images;
  ASSERT_TRUE(cache);
  // The real ECR URI of another account resolves in nimbus's registry for that account.
  auto p = cache->Prepare(scope_, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0", 100000);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->digest, Sha(manifest));
  EXPECT_EQ(p->config.cmd, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(p->config.working_dir, "/w");
  ASSERT_EQ(p->layers.size(), 2u);
  EXPECT_TRUE(fs::exists(p->layers[0] + "/bin/tool"));
  EXPECT_TRUE(fs::is_character_file(p->layers[1] + "/etc/motd"));
  EXPECT_EQ(p->layers[0].rfind(h_.data_dir() + "/images/layers/", 0), 0u);
  // nimbus's own repositoryUri resolves in the caller's account.
  auto mine = cache->Prepare(Scope{"123456789012", "eu-west-1"}, "127.0.0.1:4566/web:1.0", 100000);
  ASSERT_TRUE(mine.ok()) << mine.error().ToString();
  EXPECT_EQ(mine->layers, p->layers);
  auto absent = cache->Prepare(scope_, "127.0.0.1:4566/web:1.0", 100000);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(image::PullFailureReason("127.0.0.1:4566/web:1.0", absent.error()),
            "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to "
            "resolve ref 127.0.0.1:4566/web:1.0: 127.0.0.1:4566/web:1.0: not found");
}

}  // namespace
}  // namespace nimbus::ecr
