#include "store/sha256.h"

#include <openssl/evp.h>

namespace nimbus::store {

Hasher::Hasher(DigestAlgorithm algorithm) : ctx_(EVP_MD_CTX_new()) {
  const EVP_MD* md = algorithm == DigestAlgorithm::kSha512 ? EVP_sha512() : EVP_sha256();
  ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, md, nullptr) == 1;
}

Hasher::~Hasher() { EVP_MD_CTX_free(ctx_); }

void Hasher::Update(std::string_view data) {
  if (ok_) ok_ = EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1;
}

void Hasher::CopyFrom(const Hasher& other) {
  ok_ = other.ok_ && ctx_ != nullptr && EVP_MD_CTX_copy_ex(ctx_, other.ctx_) == 1;
}

std::string Hasher::HexDigest() const {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  bool done = copy != nullptr && ok_ && EVP_MD_CTX_copy_ex(copy, ctx_) == 1 &&
              EVP_DigestFinal_ex(copy, md, &n) == 1;
  EVP_MD_CTX_free(copy);
  if (!done) return "";
  std::string out(n * 2, '0');
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
  return out;
}

std::string Hasher::Hex(std::string_view data, DigestAlgorithm algorithm) {
  Hasher h(algorithm);
  h.Update(data);
  return h.HexDigest();
}

}  // namespace nimbus::store
