// Randomness behind an interface, and the identifiers built from it (request ids, hex tokens).
#pragma once

#include <cstdint>
#include <string>

namespace nimbus {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniformly distributed 64 random bits.
  virtual uint64_t Next() = 0;
};

// Process-wide cryptographically seeded source; thread-safe (per-thread state).
RandomSource& SystemRandom();

// A deterministic source for tests (splitmix64). Not thread-safe.
class SeededRandom : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next() override;

 private:
  uint64_t state_;
};

// RFC 4122 version-4 UUID in lower-case canonical form.
std::string NewUuid(RandomSource& random = SystemRandom());
// `length` lower-case hex characters.
std::string RandomHex(size_t length, RandomSource& random = SystemRandom());
// `length` characters from [A-Z0-9] (the alphabet of AWS access key ids and similar).
std::string RandomUpperAlnum(size_t length, RandomSource& random = SystemRandom());

}  // namespace nimbus
