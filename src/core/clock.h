// Time behind an interface so tests can fake it. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace nimbus {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (UTC) as system_clock time point.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time for measuring durations.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;

  int64_t NowMillis() const;  // Unix epoch milliseconds
  double NowSeconds() const;  // Unix epoch seconds with fraction
};

// The real clock. Process-wide singleton; never destroyed.
Clock& SystemClock();

// A clock tests move by hand. Not thread-safe: tests drive it from one thread.
class FakeClock : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start);
  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void Advance(std::chrono::nanoseconds d);

 private:
  std::chrono::system_clock::time_point now_;
  std::chrono::steady_clock::time_point mono_;
};

// "2015-08-30T12:36:00Z" (seconds precision) and "2015-08-30T12:36:00.123Z" (millis).
std::string FormatIso8601(std::chrono::system_clock::time_point t, bool millis = false);
// "Sun, 30 Aug 2015 12:36:00 GMT"
std::string FormatRfc1123(std::chrono::system_clock::time_point t);
// "20150830T123600Z" as used by SigV4's X-Amz-Date.
std::string FormatAmzDate(std::chrono::system_clock::time_point t);

}  // namespace nimbus
