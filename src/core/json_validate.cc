#include "core/json_validate.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace nimbus {

namespace {

class Checker {
 public:
  explicit Checker(std::string_view text)
      : p_(reinterpret_cast<const unsigned char*>(text.data())), end_(p_ + text.size()) {}

  bool Run() {
    bool need_value = true;  // else: after a value, expecting ',', a close, or the end
    for (;;) {
      SkipSpace();
      if (need_value) {
        if (p_ == end_) return false;
        const unsigned char c = *p_;
        if (c == '{' || c == '[') {
          ++p_;
          SkipSpace();
          if (p_ < end_ && *p_ == (c == '{' ? '}' : ']')) {
            ++p_;
            need_value = false;
            continue;
          }
          containers_.push_back(static_cast<char>(c));
          if (c == '{' && !Member()) return false;
          continue;
        }
        if (!Scalar()) return false;
        need_value = false;
        continue;
      }
      if (containers_.empty()) return p_ == end_;
      if (p_ == end_) return false;
      const bool object = containers_.back() == '{';
      if (*p_ == (object ? '}' : ']')) {
        ++p_;
        containers_.pop_back();
        continue;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
      if (object && !Member()) return false;
      need_value = true;
    }
  }

 private:
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // `"key" :` then whitespace, positioned at the value.
  bool Member() {
    if (p_ == end_ || *p_ != '"' || !String()) return false;
    SkipSpace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    return true;
  }

  // A string, literal or number.
  bool Scalar() {
    switch (*p_) {
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size()) return false;
    for (char c : word) {
      if (*p_++ != static_cast<unsigned char>(c)) return false;
    }
    return true;
  }

  static bool Digit(unsigned char c) { return c >= '0' && c <= '9'; }

  bool Number() {
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (Digit(*p_)) {
      while (p_ < end_ && Digit(*p_)) ++p_;
    } else {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
    }
    return true;
  }

  static int Hex(unsigned char c) {
    if (Digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // After "\u": four hex digits into `unit`.
  bool HexUnit(uint32_t& unit) {
    if (end_ - p_ < 4) return false;
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(*p_++);
      if (h < 0) return false;
      unit = unit * 16 + static_cast<uint32_t>(h);
    }
    return true;
  }

  bool Escape() {  // at the byte after '\'
    if (p_ == end_) return false;
    unsigned char c = *p_++;
    switch (c) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return true;
      case 'u': {
        uint32_t unit;
        if (!HexUnit(unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a lone low surrogate
        if (unit < 0xD800 || unit > 0xDBFF) return true;
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
        p_ += 2;
        uint32_t low;
        return HexUnit(low) && low >= 0xDC00 && low <= 0xDFFF;
      }
      default:
        return false;
    }
  }

  // One UTF-8 sequence starting with lead byte `c` (>= 0x80) already consumed.
  bool Utf8(unsigned char c) {
    auto cont = [&](unsigned char lo, unsigned char hi) {
      if (p_ == end_ || *p_ < lo || *p_ > hi) return false;
      ++p_;
      return true;
    };
    if (c >= 0xC2 && c <= 0xDF) return cont(0x80, 0xBF);
    if (c == 0xE0) return cont(0xA0, 0xBF) && cont(0x80, 0xBF);
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      return cont(0x80, 0xBF) && cont(0x80, 0xBF);
    }
    if (c == 0xED) return cont(0x80, 0x9F) && cont(0x80, 0xBF);
    if (c == 0xF0) return cont(0x90, 0xBF) && cont(0x80, 0xBF) && cont(0x80, 0xBF);
    if (c >= 0xF1 && c <= 0xF3) {
      return cont(0x80, 0xBF) && cont(0x80, 0xBF) && cont(0x80, 0xBF);
    }
    if (c == 0xF4) return cont(0x80, 0x8F) && cont(0x80, 0xBF) && cont(0x80, 0xBF);
    return false;
  }

  // True when none of the 8 bytes at `p` is a control character, non-ASCII, '"' or '\\'
  // (exact: the bit tricks below report a byte only when some byte matches).
  static bool PlainWord(const unsigned char* p) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    uint64_t x;
    std::memcpy(&x, p, 8);
    auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
    const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHighs;
    return ((x & kHighs) | below_space | has_zero(x ^ (kOnes * '"')) |
            has_zero(x ^ (kOnes * '\\'))) == 0;
  }

  bool String() {  // at the opening quote
    ++p_;
    for (;;) {
      // Plain ASCII runs are the common case: skip them 8 bytes at a time, then bytewise.
      while (end_ - p_ >= 8 && PlainWord(p_)) p_ += 8;
      while (p_ < end_ && *p_ >= 0x20 && *p_ < 0x80 && *p_ != '"' && *p_ != '\\') ++p_;
      if (p_ == end_) return false;
      unsigned char c = *p_++;
      if (c == '"') return true;
      if (c == '\\') {
        if (!Escape()) return false;
      } else if (c < 0x20 || !Utf8(c)) {
        return false;
      }
    }
  }

  const unsigned char* p_;
  const unsigned char* end_;
  std::vector<char> containers_;
};

}  // namespace

bool IsValidJson(std::string_view text) { return Checker(text).Run(); }

}  // namespace nimbus
