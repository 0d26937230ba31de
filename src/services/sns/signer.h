// The key pair and certificate SNS signs messages with (reference G.3), generated once into
// <data_dir>/sns/ (signing-key.pem, signing-cert.pem) and loaded on later starts, so
// signatures verify across restarts. Thread-safe after Open (OpenSSL signing is reentrant).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nimbus::sns {

class Signer {
 public:
  // Loads the key and certificate from `dir`, or creates and persists them there.
  static Result<std::unique_ptr<Signer>> Open(const std::string& dir);
  ~Signer();

  // Base64 of the RSA signature of `text`: SHA1withRSA for version "1", SHA256withRSA for
  // "2". Empty on an OpenSSL failure (never expected with a loaded key).
  std::string Sign(std::string_view text, std::string_view version) const;
  // The certificate, PEM.
  const std::string& certificate_pem() const { return cert_pem_; }
  // "SimpleNotificationService-<32 hex>.pem", the file name SigningCertURL ends with (a hash
  // of the certificate, as AWS's names are).
  const std::string& certificate_name() const { return cert_name_; }

 private:
  Signer() = default;
  void* key_ = nullptr;  // EVP_PKEY*
  std::string cert_pem_;
  std::string cert_name_;
};

// The string SNS signs (reference G.3): "<key>\n<value>\n" for the signed keys of `message`
// (a Notification, SubscriptionConfirmation or UnsubscribeConfirmation JSON object) in AWS's
// order; Subject only when present.
std::string StringToSign(const std::string& type, const std::string& message,
                         const std::string& message_id, const std::string* subject,
                         const std::string& subscribe_url, const std::string& timestamp,
                         const std::string& token, const std::string& topic_arn);

}  // namespace nimbus::sns
