#include "services/sns/signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cstdio>

#include "core/ids.h"
#include "protocol/wire.h"
#include "services/sns/certificates.h"
#include "store/fs.h"

namespace nimbus::sns {

namespace {

EVP_PKEY* ParseKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

// Data dirs from before signing-cert-name: the name was a hash of the certificate.
std::string NameFromCertificate(const std::string& cert_pem) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(cert_pem.data()), cert_pem.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return "SimpleNotificationService-" + hex + ".pem";
}

}  // namespace

Result<std::unique_ptr<Signer>> Signer::Open(const std::string& dir) {
  Status st = store::MakeDirs(dir);
  if (!st.ok()) return st;
  std::unique_ptr<Signer> s(new Signer());
  s->dir_ = dir;
  std::string key_pem = ReadPemFile(dir + "/signing-key.pem");
  std::string cert_pem = ReadPemFile(dir + "/signing-cert.pem");
  if (key_pem.empty() || cert_pem.empty()) {
    // Nothing was signed yet: any name will do until the key is made (it is persisted then).
    s->cert_name_ = "SimpleNotificationService-" + RandomHex(32) + ".pem";
    return s;
  }
  std::string name = ReadPemFile(dir + "/signing-cert-name");
  s->cert_name_ = name.empty() ? NameFromCertificate(cert_pem) : name;
  // Parsed on first use (OpenSSL's decoders cost milliseconds on their first call).
  s->key_pem_ = std::move(key_pem);
  s->cert_pem_ = std::move(cert_pem);
  return s;
}

Signer::~Signer() {
  if (background_.joinable()) background_.join();
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

void Signer::Prepare() const {
  std::lock_guard lock(mu_);
  if (started_ || !key_pem_.empty()) return;
  started_ = true;
  background_ = std::thread([this] { Generate(); });
}

void Signer::Generate() const {
  if (!key_pem_.empty()) {  // loaded by Open
    EVP_PKEY* key = ParseKey(key_pem_);
    if (key == nullptr)
      std::fprintf(stderr, "nimbus: sns: unreadable signing key in %s\n", dir_.c_str());
    std::lock_guard lock(mu_);
    key_ = key;
    done_ = true;
    ready_.notify_all();
    return;
  }
  // A key without its certificate (or the reverse) is generated again next time; the name is
  // written first so a key on disk never goes with another name than the one it signed under.
  std::string key_pem = NewRsaKeyPem();
  std::string cert_pem =
      key_pem.empty() ? std::string() : SelfSignedCertPem(key_pem, "sns.amazonaws.com", false);
  EVP_PKEY* key = cert_pem.empty() ? nullptr : ParseKey(key_pem);
  if (key != nullptr &&
      !(WritePemFile(dir_ + "/signing-cert-name", cert_name_).ok() &&
        WritePemFile(dir_ + "/signing-key.pem", key_pem).ok() &&
        WritePemFile(dir_ + "/signing-cert.pem", cert_pem).ok() && store::SyncDir(dir_).ok())) {
    EVP_PKEY_free(key);  // not durable: signing with it would not verify after a restart
    key = nullptr;
  }
  std::lock_guard lock(mu_);
  key_ = key;
  if (key != nullptr) cert_pem_ = std::move(cert_pem);
  done_ = true;
  ready_.notify_all();
}

void* Signer::Key() const {
  std::unique_lock lock(mu_);
  if (!started_) {
    started_ = true;
    lock.unlock();
    Generate();
    lock.lock();
  }
  ready_.wait(lock, [this] { return done_; });
  return key_;
}

std::string Signer::certificate_pem() const {
  if (Key() == nullptr) return "";
  std::lock_guard lock(mu_);
  return cert_pem_;
}

std::string Signer::Sign(std::string_view text, std::string_view version) const {
  EVP_PKEY* key = static_cast<EVP_PKEY*>(Key());
  if (key == nullptr) return "";
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md = version == "2" ? EVP_sha256() : EVP_sha1();
  std::string sig;
  size_t len = 0;
  if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1 &&
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
