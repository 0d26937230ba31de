// A tiny JSON helper for the examples (header-only, no dependencies): reads the string members
// of a top-level object and writes escaped JSON strings. Not a general JSON library.
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mini_json {

namespace detail {

struct Parser {
  std::string_view s;
  std::size_t i = 0;
  int depth = 0;

  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  static void utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(std::uint32_t& v) {
    if (i + 4 > s.size()) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s[i++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return false;
    }
    return true;
  }
  bool string(std::string& out) {
    if (!eat('"')) return false;
    while (i < s.size()) {
      std::size_t run = i;  // copy a run of plain characters at once
      while (run < s.size() && s[run] != '"' && s[run] != '\\' &&
             static_cast<unsigned char>(s[run]) >= 0x20) {
        ++run;
      }
      out.append(s, i, run - i);
      i = run;
      if (i >= s.size()) break;
      char c = s[i++];
      if (c == '"') return true;
      if (c != '\\') return false;  // a control character
      if (i >= s.size()) return false;
      char e = s[i++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // surrogate pair
            std::uint32_t lo;
            if (i + 2 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return false;
            i += 2;
            if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          utf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  // Skips any value; `str` receives it when it is a string.
  bool value(std::optional<std::string>* str) {
    ws();
    if (i >= s.size() || ++depth > 64) return false;
    bool ok = true;
    char c = s[i];
    if (c == '"') {
      std::string v;
      ok = string(v);
      if (ok && str) *str = std::move(v);
    } else if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++i;
      if (!eat(close)) {
        do {
          std::string key;
          if (close == '}' && (!string(key) || !eat(':'))) return false;
          if (!value(nullptr)) return false;
        } while (eat(','));
        ok = eat(close);
      }
    } else {
      std::size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' ||
                              s[i] == '+' || s[i] == '.')) {
        ++i;
      }
      std::string_view tok = s.substr(start, i - start);
      ok = tok == "true" || tok == "false" || tok == "null" ||
           (!tok.empty() && (std::isdigit(static_cast<unsigned char>(tok[0])) || tok[0] == '-'));
    }
    --depth;
    return ok;
  }
};

}  // namespace detail

// True if `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
inline bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = b(i);
    std::size_t len = c < 0x80             ? 1
                      : (c & 0xE0) == 0xC0 ? 2
                      : (c & 0xF0) == 0xE0 ? 3
                      : (c & 0xF8) == 0xF0 ? 4
                                           : 0;
    if (len == 0 || i + len > text.size()) return false;
    std::uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Parses `json` as an object; fills `strings` with its top-level string members.
// Returns false if `json` is not a valid JSON object in valid UTF-8.
inline bool read_object(std::string_view json, std::map<std::string, std::string>& strings) {
  if (!valid_utf8(json)) return false;
  detail::Parser p{json};
  if (!p.eat('{')) return false;
  if (!p.eat('}')) {
    do {
      std::string key;
      std::optional<std::string> v;
      if (!p.string(key) || !p.eat(':') || !p.value(&v)) return false;
      if (v) strings[key] = std::move(*v);
    } while (p.eat(','));
    if (!p.eat('}')) return false;
  }
  p.ws();
  return p.i == json.size();
}

// Appends `text` as a quoted JSON string (control characters escaped; bytes passed through).
inline void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

}  // namespace mini_json
