// The key pair and certificate SNS signs messages with (reference G.3), kept in <data_dir>/sns/
// (signing-key.pem, signing-cert.pem, signing-cert-name) and loaded on later starts, so
// signatures verify across restarts. The key is RSA (AWS signs with SHA1withRSA and
// SHA256withRSA), whose generation costs 50-300 ms of CPU: a fresh data dir generates it on first
// need, not at start-up (Prepare() lets the first topic start it in the background). Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"

namespace nimbus::sns {

class Signer {
 public:
  // Reads the key and certificate from `dir` (created when missing; the key is parsed on first
  // use); when there are none yet, only picks the certificate's name: the key is made by
  // Prepare() or the first use.
  static Result<std::unique_ptr<Signer>> Open(const std::string& dir);
  ~Signer();  // waits for a generation Prepare() started

  // Starts generating the key on a thread of its own when there is none yet (returns at once).
  void Prepare() const;
  // Base64 of the RSA signature of `text`: SHA1withRSA for version "1", SHA256withRSA for
  // "2". Waits for the key when it is still being made. Empty when the key cannot be made,
  // persisted or parsed, or on an OpenSSL failure.
  std::string Sign(std::string_view text, std::string_view version) const;
  // The certificate, PEM (waits for the key as Sign does); "" when it cannot be made.
  std::string certificate_pem() const;
  // "SimpleNotificationService-<32 hex>.pem", the file name SigningCertURL ends with (random
  // and persisted with the key, as AWS's names look; older data dirs: a hash of the
  // certificate). Known from Open on.
  const std::string& certificate_name() const { return cert_name_; }

 private:
  Signer() = default;
  // The key (EVP_PKEY*), made now or by the generation under way; null when it failed.
  void* Key() const;
  // Parses the key Open loaded, or makes, persists and installs a key and certificate; called
  // at most once.
  void Generate() const;

  std::string dir_;
  std::string key_pem_;  // as loaded by Open; "" for a fresh data dir
  std::string cert_name_;
  mutable std::mutex mu_;
  mutable std::condition_variable ready_;
  mutable void* key_ = nullptr;  // EVP_PKEY*, set once under mu_
  mutable std::string cert_pem_;
  mutable bool started_ = false;  // generation begun (or the key was loaded)
  mutable bool done_ = false;     // key_ final (null when generation failed)
  mutable std::thread background_;
};

// The string SNS signs (reference G.3): "<key>\n<value>\n" for the signed keys of `message`
// (a Notification, SubscriptionConfirmation or UnsubscribeConfirmation JSON object) in AWS's
// order; Subject only when present.
std::string StringToSign(const std::string& type, const std::string& message,
                         const std::string& message_id, const std::string* subject,
                         const std::string& subscribe_url, const std::string& timestamp,
                         const std::string& token, const std::string& topic_arn);

}  // namespace nimbus::sns
