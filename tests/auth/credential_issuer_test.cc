#include "auth/credential_issuer.h"

#include <gtest/gtest.h>

namespace nimbus::auth {
namespace {

using namespace std::chrono_literals;

TEST(CredentialIssuerTest, KeyIdsCarryTheirAccountAsAwsKeyIdsDo) {
  SeededRandom random(7);
  for (const char* account : {"000000000000", "111111111111", "123456789012", "999999999999"}) {
    std::string key = KeyIdForAccount(account, random);
    EXPECT_EQ(key.size(), 20u);
    EXPECT_TRUE(key.starts_with("LSIA")) << key;
    EXPECT_EQ(key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
    EXPECT_EQ(AccountForAccessKey(key), account) << key;
  }
}

TEST(CredentialIssuerTest, IssuedCredentialsAreFoundUntilTheyExpireOrAreRevoked) {
  FakeClock clock(std::chrono::system_clock::time_point(1700000000s));
  SeededRandom random(1);
  CredentialIssuer issuer(clock, random);
  IssuedCredential a = issuer.Issue("111111111111", 60s);
  IssuedCredential b = issuer.Issue("222222222222", 3600s);
  EXPECT_NE(a.credential.access_key_id, b.credential.access_key_id);
  EXPECT_NE(a.credential.session_token, b.credential.session_token);
  EXPECT_FALSE(a.credential.session_token.empty());
  EXPECT_EQ(a.expiration, clock.Now() + 60s);
  auto found = issuer.Find(a.credential.access_key_id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->account_id, "111111111111");
  EXPECT_EQ(found->secret_access_key, a.credential.secret_access_key);
  EXPECT_EQ(found->session_token, a.credential.session_token);
  EXPECT_FALSE(issuer.Find("LSIAUNKNOWN000000000").has_value());

  clock.Advance(61s);
  EXPECT_FALSE(issuer.Find(a.credential.access_key_id).has_value());  // expired
  EXPECT_TRUE(issuer.Find(b.credential.access_key_id).has_value());
  issuer.Revoke(b.credential.access_key_id);
  EXPECT_FALSE(issuer.Find(b.credential.access_key_id).has_value());
}

TEST(CredentialIssuerTest, AnAssumedRolesPrincipalIsItsSessionWithTheRolesFixedId) {
  auto p = AssumedRolePrincipal("arn:aws:iam::123456789012:role/service/app-role", "build-1");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->arn, "arn:aws:sts::123456789012:assumed-role/app-role/build-1");
  EXPECT_EQ(p->user_id.size(), 21u + 1 + 7);
  EXPECT_TRUE(p->user_id.starts_with("AROA")) << p->user_id;
  EXPECT_TRUE(p->user_id.ends_with(":build-1")) << p->user_id;
  auto other = AssumedRolePrincipal("arn:aws:iam::123456789012:role/service/app-role", "x");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->user_id.substr(0, 21), p->user_id.substr(0, 21));
  for (const char* bad : {"", "arn:aws:iam::123456789012:user/bob", "arn:aws:iam::12345:role/r",
                          "arn:aws:iam::123456789012:role/", "arn:aws:s3:::bucket",
                          "arn:aws:iam::123456789012:role/path/"}) {
    EXPECT_FALSE(AssumedRolePrincipal(bad, "s").has_value()) << bad;
  }
}

}  // namespace
}  // namespace nimbus::auth
