// Incremental SHA-256 / SHA-512 (OpenSSL) whose state can be copied, for content-addressed
// blobs. Not thread-safe; cheap to copy-construct from (a few hundred bytes of state).
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL EVP_MD_CTX

namespace nimbus::store {

// The algorithms a blob may be named by: sha256 (OCI's canonical one) and sha512.
enum class DigestAlgorithm { kSha256, kSha512 };

class Hasher {
 public:
  explicit Hasher(DigestAlgorithm algorithm = DigestAlgorithm::kSha256);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // False once OpenSSL failed (allocation, state copy); the digest is then meaningless.
  bool ok() const { return ok_; }
  void Update(std::string_view data);
  // Makes this hash continue from `other`'s state (same algorithm).
  void CopyFrom(const Hasher& other);
  // Lower-case hex digest of the bytes so far; the state stays usable.
  std::string HexDigest() const;
  // One-shot lower-case hex digest of `data`.
  static std::string Hex(std::string_view data,
                         DigestAlgorithm algorithm = DigestAlgorithm::kSha256);

 private:
  evp_md_ctx_st* ctx_;
  bool ok_;
};

// The incremental hash blobs are stored under while they arrive.
using Sha256 = Hasher;

}  // namespace nimbus::store
