#include "services/logs/filter_pattern.h"

#include <algorithm>

namespace nimbus::logs {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool Contains(std::string_view hay, const std::string& needle) {
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

Result<FilterPattern> FilterPattern::Parse(std::string_view text) {
  FilterPattern p;
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && IsSpace(text[i])) ++i;
  };
  skip();
  if (i < text.size() && (text[i] == '{' || text[i] == '[' || text[i] == '%')) {
    return Status::InvalidArgument(
        "nimbus supports filter patterns of terms and quoted phrases only; JSON ({...}), "
        "space-delimited ([...]) and regex (%...%) patterns are not supported");
  }
  while (i < text.size()) {
    char mode = 0;  // '?', '-' or 0
    if (text[i] == '?' || text[i] == '-') {
      mode = text[i];
      ++i;
      if (i >= text.size() || IsSpace(text[i])) {
        return Status::InvalidArgument("Invalid filter pattern: a '" + std::string(1, mode) +
                                       "' must be followed by a term");
      }
    }
    std::string term;
    if (text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '\\' && i < text.size()) {
          term.push_back(text[i++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          term.push_back(c);
        }
      }
      if (!closed) return Status::InvalidArgument("Invalid filter pattern: unterminated quote");
    } else {
      while (i < text.size() && !IsSpace(text[i])) term.push_back(text[i++]);
    }
    if (!term.empty()) {
      auto& list = mode == '?' ? p.any_ : (mode == '-' ? p.none_ : p.all_);
      list.push_back(std::move(term));
    }
    skip();
  }
  return p;
}

bool FilterPattern::Matches(std::string_view message) const {
  for (const std::string& t : all_) {
    if (!Contains(message, t)) return false;
  }
  for (const std::string& t : none_) {
    if (Contains(message, t)) return false;
  }
  if (any_.empty()) return true;
  return std::any_of(any_.begin(), any_.end(),
                     [&](const std::string& t) { return Contains(message, t); });
}

}  // namespace nimbus::logs
