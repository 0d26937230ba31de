#include "services/sns/certificates.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "store/fs.h"

namespace nimbus::sns {
namespace {

template <class T, class Fn>
std::string ToPem(T* obj, Fn write) {
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

EVP_PKEY* ReadKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

X509* ReadCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext != nullptr) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
}

// A certificate over `key` for CN=`cn`, signed by `signer` as `issuer` (itself when null).
std::string Issue(EVP_PKEY* key, const std::string& cn, bool ca, X509* issuer, EVP_PKEY* signer,
                  long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("nimbus"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* ext_issuer = issuer != nullptr ? issuer : cert;
  if (ca) {
    AddExtension(cert, ext_issuer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert, ext_issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, ext_issuer, NID_basic_constraints, "CA:FALSE");
    AddExtension(cert, ext_issuer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    AddExtension(cert, ext_issuer, NID_ext_key_usage, "serverAuth");
  }
  AddExtension(cert, ext_issuer, NID_subject_key_identifier, "hash");
  std::string out;
  if (X509_sign(cert, signer != nullptr ? signer : key, EVP_sha256()) > 0) {
    out = ToPem(cert, [](BIO* b, X509* c) { return PEM_write_bio_X509(b, c); });
  }
  X509_free(cert);
  return out;
}

}  // namespace

std::string ReadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status WritePemFile(const std::string& path, const std::string& text) {
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

namespace {

std::string KeyPem(EVP_PKEY* key) {
  if (key == nullptr) return "";
  std::string pem = ToPem(key, [](BIO* b, EVP_PKEY* k) {
    return PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  });
  EVP_PKEY_free(key);
  return pem;
}

}  // namespace

std::string NewRsaKeyPem() { return KeyPem(EVP_RSA_gen(2048)); }

std::string NewEcKeyPem() { return KeyPem(EVP_EC_gen("P-256")); }

std::string SelfSignedCertPem(const std::string& key_pem, const std::string& common_name, bool ca) {
  EVP_PKEY* key = ReadKey(key_pem);
  if (key == nullptr) return "";
  std::string out = Issue(key, common_name, ca, nullptr, nullptr, 1);
  EVP_PKEY_free(key);
  return out;
}

std::string ServerCertPem(const std::string& key_pem, const std::string& ca_cert,
                          const std::string& ca_key) {
  EVP_PKEY* key = ReadKey(key_pem);
  EVP_PKEY* signer = ReadKey(ca_key);
  X509* issuer = ReadCert(ca_cert);
  std::string out;
  if (key != nullptr && signer != nullptr && issuer != nullptr) {
    out = Issue(key, "localhost", false, issuer, signer, 2);
  }
  EVP_PKEY_free(key);
  EVP_PKEY_free(signer);
  X509_free(issuer);
  return out;
}

Result<LocalTls> LocalTls::Open(const std::string& dir) {
  if (Status st = store::MakeDirs(dir); !st.ok()) return st;
  LocalTls t;
  t.ca_path = dir + "/ca.pem";
  std::string ca_key_path = dir + "/ca-key.pem", cert_path = dir + "/server.pem",
              key_path = dir + "/server-key.pem";
  std::string ca = ReadPemFile(t.ca_path), ca_key = ReadPemFile(ca_key_path);
  t.server_cert = ReadPemFile(cert_path);
  t.server_key = ReadPemFile(key_path);
  if (ca.empty() || ca_key.empty()) {
    ca_key = NewEcKeyPem();
    ca = SelfSignedCertPem(ca_key, "nimbus local CA", true);
    if (ca.empty()) return Status::Internal("creating nimbus's local CA failed");
    if (Status st = WritePemFile(ca_key_path, ca_key); !st.ok()) return st;
    if (Status st = WritePemFile(t.ca_path, ca); !st.ok()) return st;
    t.server_cert.clear();
  }
  if (t.server_cert.empty() || t.server_key.empty()) {
    t.server_key = NewEcKeyPem();
    t.server_cert = ServerCertPem(t.server_key, ca, ca_key);
    if (t.server_cert.empty()) return Status::Internal("issuing nimbus's https certificate failed");
    if (Status st = WritePemFile(key_path, t.server_key); !st.ok()) return st;
    if (Status st = WritePemFile(cert_path, t.server_cert); !st.ok()) return st;
    if (Status st = store::SyncDir(dir); !st.ok()) return st;  // only when something was made
  }
  return t;
}

}  // namespace nimbus::sns
