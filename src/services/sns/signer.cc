#include "services/sns/signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "protocol/wire.h"
#include "store/fs.h"

namespace nimbus::sns {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status WriteText(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::IoError("writing " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return store::ErrnoStatus("rename", path);
  return Status::Ok();
}

std::string Pem(int (*write)(BIO*, void*), void* obj) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (write(bio, obj) == 1) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

int WriteKey(BIO* b, void* k) {
  return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr,
                                  nullptr);
}
int WriteCert(BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); }

// A new RSA-2048 key and a self-signed certificate for "sns.amazonaws.com" valid 10 years.
Status Generate(std::string& key_pem, std::string& cert_pem) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (key == nullptr) return Status::Internal("RSA key generation failed");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("nimbus"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.amazonaws.com"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  bool ok = X509_sign(cert, key, EVP_sha256()) > 0;
  if (ok) {
    key_pem = Pem(WriteKey, key);
    cert_pem = Pem(WriteCert, cert);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok || key_pem.empty() || cert_pem.empty()) {
    return Status::Internal("signing the SNS certificate failed");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Signer>> Signer::Open(const std::string& dir) {
  Status st = store::MakeDirs(dir);
  if (!st.ok()) return st;
  std::string key_path = dir + "/signing-key.pem", cert_path = dir + "/signing-cert.pem";
  std::string key_pem = ReadText(key_path), cert_pem = ReadText(cert_path);
  if (key_pem.empty() || cert_pem.empty()) {
    st = Generate(key_pem, cert_pem);
    if (!st.ok()) return st;
    // A key without its certificate (or the reverse) is generated again next time.
    if (Status w = WriteText(key_path, key_pem); !w.ok()) return w;
    if (Status w = WriteText(cert_path, cert_pem); !w.ok()) return w;
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
