#include "services/sns/signer.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include "protocol/wire.h"
#include "services/sns/certificates.h"
#include "store/temp_dir.h"

namespace nimbus::sns {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// True when `signature_b64` is the RSA signature of `text` by the key `cert_pem` certifies.
bool Verifies(const std::string& cert_pem, const std::string& text,
              const std::string& signature_b64, const EVP_MD* md) {
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  auto sig = wire::Base64Decode(signature_b64);
  if (cert == nullptr || !sig) return false;
  EVP_PKEY* key = X509_get_pubkey(cert);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  X509_free(cert);
  return ok;
}

int KeyType(const std::string& key_pem) {
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  int type = key == nullptr ? EVP_PKEY_NONE : EVP_PKEY_get_base_id(key);
  EVP_PKEY_free(key);
  return type;
}

TEST(SignerTest, AFreshDirMakesNoKeyUntilFirstUseAndKeepsTheNameItAnnounced) {
  store::testing::TempDir dir;
  auto signer = Signer::Open(dir.path());
  ASSERT_TRUE(signer.ok()) << signer.error().ToString();
  const std::string name = (*signer)->certificate_name();
  EXPECT_TRUE(name.starts_with("SimpleNotificationService-") && name.ends_with(".pem")) << name;
  EXPECT_EQ(name.size(), std::string("SimpleNotificationService-.pem").size() + 32);
  EXPECT_FALSE(Exists(dir.path() + "/signing-key.pem"));  // start-up made nothing slow

  std::string sig1 = (*signer)->Sign("hello\n", "1");
  std::string sig2 = (*signer)->Sign("hello\n", "2");
  ASSERT_FALSE(sig1.empty());
  EXPECT_TRUE(Exists(dir.path() + "/signing-key.pem"));
  EXPECT_EQ(KeyType(ReadPemFile(dir.path() + "/signing-key.pem")), EVP_PKEY_RSA);  // as AWS
  const std::string cert = (*signer)->certificate_pem();
  EXPECT_TRUE(Verifies(cert, "hello\n", sig1, EVP_sha1()));
  EXPECT_TRUE(Verifies(cert, "hello\n", sig2, EVP_sha256()));
  EXPECT_FALSE(Verifies(cert, "hullo\n", sig1, EVP_sha1()));
  EXPECT_EQ((*signer)->certificate_name(), name);
  signer->reset();

  // A restart loads the same key under the same name: earlier signatures still verify.
  auto again = Signer::Open(dir.path());
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ((*again)->certificate_name(), name);
  EXPECT_EQ((*again)->certificate_pem(), cert);
  EXPECT_TRUE(Verifies(cert, "bye\n", (*again)->Sign("bye\n", "2"), EVP_sha256()));
}

TEST(SignerTest, PrepareMakesTheKeyInTheBackgroundAndSignWaitsForIt) {
  store::testing::TempDir dir;
  auto signer = Signer::Open(dir.path());
  ASSERT_TRUE(signer.ok()) << signer.error().ToString();
  (*signer)->Prepare();
  (*signer)->Prepare();  // once only
  std::string sig = (*signer)->Sign("x", "2");
  EXPECT_TRUE(Verifies((*signer)->certificate_pem(), "x", sig, EVP_sha256()));
}

TEST(SignerTest, ADestroyedSignerWaitsForAGenerationUnderWay) {
  store::testing::TempDir dir;
  {
    auto signer = Signer::Open(dir.path());
    ASSERT_TRUE(signer.ok()) << signer.error().ToString();
    (*signer)->Prepare();
  }  // joins the generation
  EXPECT_TRUE(Exists(dir.path() + "/signing-cert-name"));
}

TEST(SignerTest, OlderDataDirsKeepTheirHashedName) {
  // Before signing-cert-name, the name was a hash of the certificate; a data dir from then keeps
  // the name its subscribers saw.
  store::testing::TempDir dir;
  std::string key = NewRsaKeyPem();
  std::string cert = SelfSignedCertPem(key, "sns.amazonaws.com", false);
  ASSERT_TRUE(WritePemFile(dir.path() + "/signing-key.pem", key).ok());
  ASSERT_TRUE(WritePemFile(dir.path() + "/signing-cert.pem", cert).ok());
  auto a = Signer::Open(dir.path());
  auto b = Signer::Open(dir.path());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->certificate_name(), (*b)->certificate_name());
  EXPECT_EQ((*a)->certificate_pem(), cert);
  EXPECT_TRUE(Verifies(cert, "m", (*a)->Sign("m", "1"), EVP_sha1()));
}

TEST(SignerTest, AnUnreadableKeySignsNothing) {
  store::testing::TempDir dir;
  ASSERT_TRUE(WritePemFile(dir.path() + "/signing-key.pem", "not a key").ok());
  ASSERT_TRUE(WritePemFile(dir.path() + "/signing-cert.pem", "not a cert").ok());
  auto signer = Signer::Open(dir.path());
  ASSERT_TRUE(signer.ok()) << signer.error().ToString();
  EXPECT_EQ((*signer)->Sign("m", "1"), "");
  EXPECT_EQ((*signer)->certificate_pem(), "");
}

TEST(LocalTlsTest, NewCaAndServerKeysAreEcAndLoadAgain) {
  store::testing::TempDir dir;
  auto tls = LocalTls::Open(dir.path() + "/tls");
  ASSERT_TRUE(tls.ok()) << tls.error().ToString();
  EXPECT_EQ(KeyType(tls->server_key), EVP_PKEY_EC);
  EXPECT_EQ(KeyType(ReadPemFile(dir.path() + "/tls/ca-key.pem")), EVP_PKEY_EC);
  auto again = LocalTls::Open(dir.path() + "/tls");
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->server_cert, tls->server_cert);
  EXPECT_EQ(again->server_key, tls->server_key);
}

}  // namespace
}  // namespace nimbus::sns
