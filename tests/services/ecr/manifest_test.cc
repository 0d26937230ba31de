#include "services/ecr/manifest.h"

#include <gtest/gtest.h>

namespace nimbus::ecr {
namespace {

std::string D(char c) { return "sha256:" + std::string(64, c); }

std::string Image(const std::string& media_type_field) {
  return R"({"schemaVersion":2,)" + media_type_field +
         R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + D('a') +
         R"(","size":10},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
         D('b') + R"(","size":20}]})";
}

TEST(EcrManifest, OciImageWithoutMediaTypeUsesContentType) {
  auto m = ParseManifest(Image(""), "application/vnd.docker.distribution.manifest.v2+json");
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->media_type, kDockerManifest);
  EXPECT_FALSE(m->is_index);
  EXPECT_EQ(m->image_size, 30);
  ASSERT_EQ(m->blobs.size(), 2u);
  EXPECT_EQ(m->artifact_type, "");
  EXPECT_EQ(m->config_media_type, "application/vnd.oci.image.config.v1+json");
}

TEST(EcrManifest, NoMediaTypeNoHeaderGuessesOci) {
  auto m = ParseManifest(Image(""), "");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->media_type, kOciManifest);
}

TEST(EcrManifest, MismatchedContentTypeIsInvalid) {
  auto m = ParseManifest(Image(R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)"),
                         std::string(kDockerManifest));
  EXPECT_FALSE(m.ok());
}

TEST(EcrManifest, IndexAndSubject) {
  std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
    "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                      D('c') + R"(","size":5}],"subject":{"mediaType":"x","digest":")" + D('d') +
                      R"(","size":1},"annotations":{"k":"v"}})";
  auto m = ParseManifest(index, "");
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_TRUE(m->is_index);
  ASSERT_EQ(m->children.size(), 1u);
  EXPECT_EQ(m->subject, D('d'));
  EXPECT_EQ(m->annotations["k"], "v");
}

TEST(EcrManifest, RejectsMalformed) {
  EXPECT_FALSE(ParseManifest("{", "").ok());
  EXPECT_FALSE(ParseManifest("[]", "").ok());
  EXPECT_FALSE(ParseManifest(R"({"schemaVersion":1})", "").ok());
  EXPECT_FALSE(ParseManifest(R"({"schemaVersion":2,"layers":[]})", "").ok());
  EXPECT_FALSE(
      ParseManifest(R"({"schemaVersion":2,"config":{"digest":"sha256:zz","size":1},"layers":[]})",
                    "")
          .ok());
  EXPECT_FALSE(ParseManifest(R"({"schemaVersion":2,"config":{"digest":")" + D('a') +
                                 R"(","size":-1},"layers":[]})",
                             "")
                   .ok());
  EXPECT_FALSE(
      ParseManifest(R"({"schemaVersion":2,"mediaType":"text/plain","config":{}})", "").ok());
}

TEST(EcrManifest, BareMediaType) {
  EXPECT_EQ(BareMediaType(" application/json ; charset=utf-8"), "application/json");
}

}  // namespace
}  // namespace nimbus::ecr
