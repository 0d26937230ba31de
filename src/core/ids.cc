#include "core/ids.h"

#include <sys/random.h>

#include <chrono>

namespace nimbus {

uint64_t SeededRandom::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {
// xoshiro256** seeded per thread from getrandom().
class ThreadRandom : public RandomSource {
 public:
  uint64_t Next() override {
    thread_local State st = Seed();
    uint64_t* s = st.s;
    uint64_t result = Rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
  }

 private:
  struct State {
    uint64_t s[4];
  };
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static State Seed() {
    State st{};
    if (getrandom(st.s, sizeof st.s, 0) != static_cast<ssize_t>(sizeof st.s)) {
      SeededRandom fallback(static_cast<uint64_t>(
          std::chrono::steady_clock::now().time_since_epoch().count()));
      for (auto& v : st.s) v = fallback.Next();
    }
    return st;
  }
};
}  // namespace

RandomSource& SystemRandom() {
  static ThreadRandom* r = new ThreadRandom();
  return *r;
}

std::string NewUuid(RandomSource& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = random.Next(), b = random.Next();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    uint64_t word = i < 16 ? a : b;
    int shift = 60 - 4 * (i % 16);
    out.push_back(kHex[(word >> shift) & 15]);
  }
  return out;
}

std::string RandomHex(size_t length, RandomSource& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    uint64_t v = random.Next();
    for (int i = 0; i < 16 && out.size() < length; ++i, v >>= 4) out.push_back(kHex[v & 15]);
  }
  return out;
}

std::string RandomUpperAlnum(size_t length, RandomSource& random) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  out.reserve(length);
  for (size_t i = 0; i < length; ++i) out.push_back(kAlphabet[random.Next() % 36]);
  return out;
}

}  // namespace nimbus
