#include "services/ecs/cli/profile_keys.h"

#include <gtest/gtest.h>

namespace nimbus::ecs::cli {
namespace {

constexpr char kCredentials[] = R"(# the CLI's shared credentials
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret-default

[dev]
aws_access_key_id=111111111111
 aws_secret_access_key =  s3cr3t  
aws_session_token = tok
; a comment
[half]
aws_access_key_id = only-the-id
)";

TEST(ProfileKeys, ReadsTheNamedSection) {
  auto dev = ProfileKeysIn(kCredentials, "dev");
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ(dev->access_key_id, "111111111111");
  EXPECT_EQ(dev->secret_access_key, "s3cr3t");
  EXPECT_EQ(dev->session_token, "tok");
  auto def = ProfileKeysIn(kCredentials, "default");
  ASSERT_TRUE(def.has_value());
  EXPECT_EQ(def->access_key_id, "AKIDDEFAULT");
  EXPECT_TRUE(def->session_token.empty());
  EXPECT_FALSE(ProfileKeysIn(kCredentials, "half").has_value());  // no secret
  EXPECT_FALSE(ProfileKeysIn(kCredentials, "nope").has_value());
  EXPECT_FALSE(ProfileKeysIn("", "dev").has_value());
  // The config file names profiles "profile NAME".
  auto config =
      ProfileKeysIn("[profile dev]\naws_access_key_id=a\naws_secret_access_key=b\n", "profile dev");
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->access_key_id, "a");
}

}  // namespace
}  // namespace nimbus::ecs::cli
