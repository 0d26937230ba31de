#include "services/ecr/names.h"

#include <gtest/gtest.h>

namespace nimbus::ecr {
namespace {

TEST(EcrNames, RepositoryNames) {
  EXPECT_TRUE(ValidRepoName("demo"));
  EXPECT_TRUE(ValidRepoName("a/b/c"));
  EXPECT_TRUE(ValidRepoName("team-x/app__v2.web"));
  EXPECT_TRUE(ValidRepoName("a--b"));
  EXPECT_FALSE(ValidRepoName("a"));  // ECR minimum length 2
  EXPECT_FALSE(ValidRepoName("Demo"));
  EXPECT_FALSE(ValidRepoName("a//b"));
  EXPECT_FALSE(ValidRepoName("../etc"));
  EXPECT_FALSE(ValidRepoName("a/../b"));
  EXPECT_FALSE(ValidRepoName("a/./b"));
  EXPECT_FALSE(ValidRepoName("/ab"));
  EXPECT_FALSE(ValidRepoName("ab/"));
  EXPECT_FALSE(ValidRepoName("a___b"));
  EXPECT_FALSE(ValidRepoName("a.-b"));
  EXPECT_FALSE(ValidRepoName(std::string(257, 'a')));
}

TEST(EcrNames, TagsAndDigests) {
  EXPECT_TRUE(ValidTag("1.10"));
  EXPECT_TRUE(ValidTag("_x-Y.z"));
  EXPECT_FALSE(ValidTag(".x"));
  EXPECT_FALSE(ValidTag("-x"));
  EXPECT_FALSE(ValidTag("a/b"));
  EXPECT_FALSE(ValidTag(std::string(129, 'a')));
  EXPECT_TRUE(ValidTag(std::string(128, 'a')));
  std::string d = "sha256:" + std::string(64, 'a');
  EXPECT_TRUE(ValidDigest(d));
  EXPECT_FALSE(ValidDigest("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(ValidDigest("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(ValidDigest("sha512:" + std::string(64, 'a')));
  EXPECT_TRUE(ValidDigest("sha512:" + std::string(128, 'a')));
  EXPECT_TRUE(IsSha512Digest("sha512:" + std::string(128, 'a')));
  EXPECT_FALSE(IsSha512Digest(d));
  EXPECT_FALSE(ValidDigest("sha512:" + std::string(128, 'A')));
  EXPECT_FALSE(ValidDigest("sha512:" + std::string(127, 'a') + "/"));
  EXPECT_FALSE(ValidDigest("sha384:" + std::string(96, 'a')));
  EXPECT_FALSE(ValidDigest("sha256:../../../../etc/passwd"));
}

TEST(EcrNames, ParsesV2Paths) {
  auto p = ParseV2Path("/v2/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, V2Kind::kBase);
  p = ParseV2Path("/v2/a/b/c/manifests/latest");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, V2Kind::kManifest);
  EXPECT_EQ(p->name, "a/b/c");
  EXPECT_EQ(p->ref, "latest");
  // Names may contain endpoint words; the suffix is taken from the right.
  p = ParseV2Path("/v2/blobs/manifests/blobs/sha256:ab");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, V2Kind::kBlob);
  EXPECT_EQ(p->name, "blobs/manifests");
  p = ParseV2Path("/v2/x/y/blobs/uploads/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, V2Kind::kUploadStart);
  EXPECT_EQ(p->name, "x/y");
  p = ParseV2Path("/v2/x/y/blobs/uploads/1234");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, V2Kind::kUpload);
  EXPECT_EQ(p->ref, "1234");
  p = ParseV2Path("/v2/x/tags/list");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, V2Kind::kTagsList);
  EXPECT_EQ(p->name, "x");
  p = ParseV2Path("/v2/x/referrers/sha256:00");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, V2Kind::kReferrers);
  // Encoded traversal decodes to a name the validator rejects.
  p = ParseV2Path("/v2/%2e%2e/%2e%2e/manifests/x");
  ASSERT_TRUE(p);
  EXPECT_FALSE(ValidRepoName(p->name));
  EXPECT_FALSE(ParseV2Path("/v2/x/unknown/thing"));
  EXPECT_FALSE(ParseV2Path("/v3/x/manifests/y"));
}

}  // namespace
}  // namespace nimbus::ecr
