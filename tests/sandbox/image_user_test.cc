// An image's User resolved against its own passwd and group files, as Docker does.
#include "sandbox/image_user.h"

#include <gtest/gtest.h>

#include "sandbox/test_util.h"

namespace nimbus::sandbox {
namespace {

using testing::TempDir;

class ImageUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_.Write("etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n");
    base_.Write("etc/group", "root:x:0:\nnogroup:x:65534:\n");
    // A later layer replaces passwd (its user) and leaves group as it was.
    app_.Write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n");
  }
  Result<ImageUser> Resolve(std::string_view user) {
    return ResolveImageUser({base_.path(), app_.path()}, user);
  }
  TempDir base_, app_;
};

TEST_F(ImageUserTest, EmptyIsRoot) {
  auto u = Resolve("");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 0u);
  EXPECT_EQ(u->gid, 0u);
}

TEST_F(ImageUserTest, NamesComeFromTheTopmostPasswd) {
  auto u = Resolve("app");
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1001u);
  auto missing = Resolve("nobody");  // only in the lower layer's passwd, which is replaced
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.error().message(),
            "unable to find user nobody: no matching entries in passwd file");
}

TEST_F(ImageUserTest, NumbersNeedNoEntry) {
  auto known = Resolve("1000");
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->gid, 1001u);  // the entry's group
  auto unknown = Resolve("4242");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->uid, 4242u);
  EXPECT_EQ(unknown->gid, 0u);
}

TEST_F(ImageUserTest, GroupsByNameOrNumber) {
  auto named = Resolve("app:nogroup");
  ASSERT_TRUE(named.ok()) << named.error().ToString();
  EXPECT_EQ(named->uid, 1000u);
  EXPECT_EQ(named->gid, 65534u);
  auto numeric = Resolve("4242:77");
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->gid, 77u);
  EXPECT_EQ(Resolve("app:wheel").error().message(),
            "unable to find group wheel: no matching entries in group file");
  EXPECT_EQ(Resolve(":0").error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nimbus::sandbox
