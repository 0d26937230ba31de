// Keys and certificates SNS keeps under <data_dir>/sns/ (OpenSSL): PEM files read and written
// durably, RSA and EC keys, and the local CA nimbus's https port presents a certificate from (for
// SigningCertURL, which validators fetch over https only). Thread-safe (no shared state).
#pragma once

#include <string>

#include "core/status.h"

namespace nimbus::sns {

// A file's contents, "" when it cannot be read.
std::string ReadPemFile(const std::string& path);
// Writes `text` to `path` through a temporary file and a rename.
Status WritePemFile(const std::string& path, const std::string& text);

// A new RSA-2048 private key, PEM; "" on failure. Costs 50-300 ms of CPU.
std::string NewRsaKeyPem();
// A new EC P-256 private key, PEM; "" on failure. Costs well under a millisecond.
std::string NewEcKeyPem();
// A self-signed certificate over `key_pem` for subject CN=`common_name`, O=nimbus, valid ten
// years; `ca` makes it a CA (basicConstraints CA:TRUE, keyCertSign). "" on failure.
std::string SelfSignedCertPem(const std::string& key_pem, const std::string& common_name, bool ca);
// A server certificate for localhost and 127.0.0.1 over `key_pem`, issued by the CA (`ca_cert`,
// `ca_key`, PEM). "" on failure.
std::string ServerCertPem(const std::string& key_pem, const std::string& ca_cert,
                          const std::string& ca_key);

// nimbus's local CA and the server certificate it issued, created once in `dir` (ca.pem,
// ca-key.pem, server.pem, server-key.pem) and loaded on later starts. New ones are EC P-256
// (cheap to make at start-up; what TLS clients accept as readily as RSA); RSA ones made by
// older versions are loaded as they are.
struct LocalTls {
  std::string ca_path;      // what users trust: <dir>/ca.pem
  std::string server_cert;  // PEM
  std::string server_key;   // PEM
  static Result<LocalTls> Open(const std::string& dir);
};

}  // namespace nimbus::sns
