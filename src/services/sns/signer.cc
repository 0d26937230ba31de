#include "services/sns/signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "protocol/wire.h"
#include "services/sns/certificates.h"
#include "store/fs.h"

namespace nimbus::sns {

Result<std::unique_ptr<Signer>> Signer::Open(const std::string& dir) {
  Status st = store::MakeDirs(dir);
  if (!st.ok()) return st;
  std::string key_path = dir + "/signing-key.pem", cert_path = dir + "/signing-cert.pem";
  std::string key_pem = ReadPemFile(key_path), cert_pem = ReadPemFile(cert_path);
  if (key_pem.empty() || cert_pem.empty()) {
    key_pem = NewRsaKeyPem();
    cert_pem = SelfSignedCertPem(key_pem, "sns.amazonaws.com", false);
    if (cert_pem.empty()) return Status::Internal("creating the SNS signing certificate failed");
    // A key without its certificate (or the reverse) is generated again next time.
    if (Status w = WritePemFile(key_path, key_pem); !w.ok()) return w;
    if (Status w = WritePemFile(cert_path, cert_pem); !w.ok()) return w;
    if (Status w = store::SyncDir(dir); !w.ok()) return w;
  }
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return Status::Corruption("unreadable SNS signing key " + key_path);
  std::unique_ptr<Signer> s(new Signer());
  s->key_ = key;
  s->cert_pem_ = cert_pem;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(cert_pem.data()), cert_pem.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  s->cert_name_ = "SimpleNotificationService-" + hex + ".pem";
  return s;
}

Signer::~Signer() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

std::string Signer::Sign(std::string_view text, std::string_view version) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md = version == "2" ? EVP_sha256() : EVP_sha1();
  std::string sig;
  size_t len = 0;
  if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, static_cast<EVP_PKEY*>(key_)) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1) {
      sig.resize(len);
    } else {
      sig.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  return sig.empty() ? "" : wire::Base64Encode(sig);
}

std::string StringToSign(const std::string& type, const std::string& message,
                         const std::string& message_id, const std::string* subject,
                         const std::string& subscribe_url, const std::string& timestamp,
                         const std::string& token, const std::string& topic_arn) {
  std::string out;
  auto line = [&](const char* key, const std::string& value) {
    out += key;
    out += '\n';
    out += value;
    out += '\n';
  };
  line("Message", message);
  line("MessageId", message_id);
  if (type == "Notification") {
    if (subject != nullptr) line("Subject", *subject);
  } else {
    line("SubscribeURL", subscribe_url);
  }
  line("Timestamp", timestamp);
  if (type != "Notification") line("Token", token);
  line("TopicArn", topic_arn);
  line("Type", type);
  return out;
}

}  // namespace nimbus::sns
