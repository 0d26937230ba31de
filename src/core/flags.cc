#include "core/flags.h"

#include <charconv>

namespace nimbus {

Result<int64_t> ParseFlagInt(std::string_view name, std::string_view value, int64_t min,
                             int64_t max) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || p != value.data() + value.size() || n < min || n > max) {
    return Status::InvalidArgument("invalid value '" + std::string(value) + "' for " +
                                   std::string(name) + " (expected " + std::to_string(min) + ".." +
                                   std::to_string(max) + ")");
  }
  return n;
}

Status FlagValues::Set(const FlagSpec& spec, std::string_view value) {
  if (spec.integer) {
    auto n = ParseFlagInt(spec.name, value, spec.min, spec.max);
    if (!n.ok()) return n.error();
  }
  values_[std::string(spec.name)] = std::string(value);
  return Status::Ok();
}

void FlagValues::FillDefaults(std::span<const FlagSpec> specs) {
  for (const FlagSpec& spec : specs) {
    if (!values_.contains(spec.name) && !spec.default_value.empty()) {
      values_.emplace(std::string(spec.name), std::string(spec.default_value));
    }
  }
}

std::string FlagValues::Str(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second;
}

int64_t FlagValues::Int(std::string_view name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  int64_t n = fallback;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  return n;
}

std::string FlagHelp(std::span<const FlagSpec> specs) {
  constexpr size_t kColumn = 30;  // where help text starts
  std::string out;
  for (const FlagSpec& spec : specs) {
    std::string usage = "  " + std::string(spec.name) + " " + std::string(spec.value_name);
    if (usage.size() + 1 > kColumn) {
      out += usage + "\n" + std::string(kColumn, ' ');
    } else {
      out += usage + std::string(kColumn - usage.size(), ' ');
    }
    for (char c : spec.help) {
      out += c;
      if (c == '\n') out += std::string(kColumn, ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace nimbus
