#include "core/clock.h"

#include <ctime>

namespace nimbus {

int64_t Clock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Now().time_since_epoch()).count();
}

double Clock::NowSeconds() const {
  return std::chrono::duration<double>(Now().time_since_epoch()).count();
}

namespace {
class RealClock : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

std::tm ToUtc(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

std::string Format(std::chrono::system_clock::time_point t, const char* fmt) {
  std::tm tm = ToUtc(t);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}
}  // namespace

Clock& SystemClock() {
  static RealClock* clock = new RealClock();
  return *clock;
}

FakeClock::FakeClock(std::chrono::system_clock::time_point start)
    : now_(start), mono_(std::chrono::steady_clock::time_point{}) {}
std::chrono::system_clock::time_point FakeClock::Now() const { return now_; }
std::chrono::steady_clock::time_point FakeClock::Monotonic() const { return mono_; }
void FakeClock::Advance(std::chrono::nanoseconds d) {
  now_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  mono_ += d;
}

std::string FormatIso8601(std::chrono::system_clock::time_point t, bool millis) {
  if (!millis) return Format(t, "%Y-%m-%dT%H:%M:%SZ");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() %
            1000;
  if (ms < 0) ms += 1000;
  std::string s = Format(t, "%Y-%m-%dT%H:%M:%S");
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03dZ", static_cast<int>(ms));
  return s + buf;
}

std::string FormatRfc1123(std::chrono::system_clock::time_point t) {
  return Format(t, "%a, %d %b %Y %H:%M:%S GMT");
}

std::string FormatAmzDate(std::chrono::system_clock::time_point t) {
  return Format(t, "%Y%m%dT%H%M%SZ");
}

}  // namespace nimbus
