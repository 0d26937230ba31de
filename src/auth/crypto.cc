#include "auth/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

namespace nimbus::auth {
namespace {

const EVP_MD* Sha256Md() {
  // Explicit fetch once: avoids OpenSSL 3's implicit per-call fetch. Never freed (process-wide).
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

// One digest context per thread, reused across calls.
struct Hasher {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Hasher() { EVP_MD_CTX_free(ctx); }

  void Begin() { EVP_DigestInit_ex(ctx, Sha256Md(), nullptr); }
  void Update(const void* p, size_t n) {
    if (n > 0) EVP_DigestUpdate(ctx, p, n);
  }
  Sha256Digest Finish() {
    Sha256Digest out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, out.data(), &len);
    return out;
  }
};

Hasher& ThreadHasher() {
  thread_local Hasher hasher;
  return hasher;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Hasher& h = ThreadHasher();
  if (h.ctx == nullptr) return {};
  h.Begin();
  h.Update(data.data(), data.size());
  return h.Finish();
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ != nullptr) EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Sha256Md(), nullptr);
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::Update(std::string_view data) {
  if (ctx_ != nullptr && !data.empty()) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
  }
}

std::string Sha256Stream::FinishHex() {
  Sha256Digest out{};
  unsigned int len = 0;
  if (ctx_ != nullptr) EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  return HexEncode(out);
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  uint8_t k[kBlock] = {};
  if (key.size() > kBlock) {
    Sha256Digest kd = Sha256(key);
    std::memcpy(k, kd.data(), kd.size());
  } else if (!key.empty()) {
    std::memcpy(k, key.data(), key.size());
  }
  uint8_t pad[kBlock];
  Hasher& h = ThreadHasher();
  if (h.ctx == nullptr) return {};
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x36;
  h.Begin();
  h.Update(pad, kBlock);
  h.Update(data.data(), data.size());
  Sha256Digest inner = h.Finish();
  for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x5c;
  h.Begin();
  h.Update(pad, kBlock);
  h.Update(inner.data(), inner.size());
  return h.Finish();
}

std::string HexEncode(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digest.size() * 2, '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace nimbus::auth
