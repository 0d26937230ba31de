#include "image/image_ref.h"

#include <gtest/gtest.h>

namespace nimbus::image {
namespace {

const std::vector<std::string> kHosts = {"127.0.0.1:4566", "registry.nimbus.test"};
const std::string kDigest = "sha256:" + std::string(64, 'a');

struct Row {
  std::string image;
  ImageRef::Kind kind;
  std::string registry, repository, tag, digest, account, region;
};

TEST(ImageRef, ParsesEveryForm) {
  using K = ImageRef::Kind;
  const Row rows[] = {
      {"127.0.0.1:4566/app", K::kNimbus, "127.0.0.1:4566", "app", "latest", "", "", ""},
      {"127.0.0.1:4566/team/app:v1", K::kNimbus, "127.0.0.1:4566", "team/app", "v1", "", "", ""},
      {"registry.nimbus.test/app@" + kDigest, K::kNimbus, "registry.nimbus.test", "app", "",
       kDigest, "", ""},
      {"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.2", K::kEcr,
       "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "web", "1.2", "", "123456789012",
       "eu-west-1"},
      {"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web@" + kDigest, K::kEcr,
       "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "web", "", kDigest, "123456789012",
       "cn-north-1"},
      {"busybox", K::kRemote, "registry-1.docker.io", "library/busybox", "latest", "", "", ""},
      {"library/busybox:1.36", K::kRemote, "registry-1.docker.io", "library/busybox", "1.36", "",
       "", ""},
      {"docker.io/user/app", K::kRemote, "registry-1.docker.io", "user/app", "latest", "", "", ""},
      {"localhost:5000/a/b:t@" + kDigest, K::kRemote, "localhost:5000", "a/b", "t", kDigest, "",
       ""},
      {"quay.io/org/img:v1_2-3.4", K::kRemote, "quay.io", "org/img", "v1_2-3.4", "", "", ""},
      {"127.0.0.1:5001/x", K::kRemote, "127.0.0.1:5001", "x", "latest", "", "", ""},
      // A fake ECR host (not 12 digits) is just another registry.
      {"12345.dkr.ecr.us-east-1.amazonaws.com/x", K::kRemote,
       "12345.dkr.ecr.us-east-1.amazonaws.com", "x", "latest", "", "", ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.image);
    auto ref = ParseImageRef(row.image, kHosts);
    ASSERT_TRUE(ref.ok()) << ref.error().ToString();
    EXPECT_EQ(ref->kind, row.kind);
    EXPECT_EQ(ref->registry, row.registry);
    EXPECT_EQ(ref->repository, row.repository);
    EXPECT_EQ(ref->tag, row.tag);
    EXPECT_EQ(ref->digest, row.digest);
    EXPECT_EQ(ref->account, row.account);
    EXPECT_EQ(ref->region, row.region);
  }
}

TEST(ImageRef, RefusesMalformedReferences) {
  const std::string bad[] = {
      "",
      "Busybox",
      "busybox:",
      "busybox:-bad",
      "busybox@sha256:abc",
      "busybox@md5:" + std::string(32, 'a'),
      "a//b",
      "/abs",
      "app/",
      "a..b",
      "host:5000/UPPER",
      "busybox:" + std::string(129, 'a'),
      "bad host:5000/x",
  };
  for (const auto& image : bad) {
    SCOPED_TRACE(image);
    auto ref = ParseImageRef(image, kHosts);
    ASSERT_FALSE(ref.ok());
    EXPECT_EQ(ref.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(ref.error().message().find("invalid reference format"), std::string::npos);
  }
}

TEST(ImageRef, ToStringIsCanonical) {
  auto a = ParseImageRef("busybox", kHosts);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ToString(), "registry-1.docker.io/library/busybox:latest");
  EXPECT_EQ(a->reference(), "latest");
  auto b = ParseImageRef("127.0.0.1:4566/app:v1@" + kDigest, kHosts);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->ToString(), "127.0.0.1:4566/app@" + kDigest);
  EXPECT_EQ(b->reference(), kDigest);
  EXPECT_EQ(b->RepositoryUri(), "127.0.0.1:4566/app");
}

}  // namespace
}  // namespace nimbus::image
