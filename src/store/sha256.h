// Incremental SHA-256 (OpenSSL) whose state can be copied, for content-addressed blobs.
// Not thread-safe; cheap to copy-construct from (a few hundred bytes of state).
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL EVP_MD_CTX

namespace nimbus::store {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // False once OpenSSL failed (allocation, state copy); the digest is then meaningless.
  bool ok() const { return ok_; }
  void Update(std::string_view data);
  // Makes this hash continue from `other`'s state.
  void CopyFrom(const Sha256& other);
  // Lower-case hex digest of the bytes so far; the state stays usable.
  std::string HexDigest() const;
  // One-shot lower-case hex digest of `data`.
  static std::string Hex(std::string_view data);

 private:
  evp_md_ctx_st* ctx_;
  bool ok_;
};

}  // namespace nimbus::store
