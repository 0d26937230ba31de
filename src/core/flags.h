// Command-line flags that a part of nimbus declares for itself (each service declares its own in
// its ServiceFactory), and the values given for them. Pure; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nimbus {

// One `--name VALUE` option. The strings are static (literals).
struct FlagSpec {
  std::string_view name;           // with its dashes, e.g. "--lambda-concurrency"
  std::string_view value_name;     // how help shows the value, e.g. "N" or "HOST[:PORT]"
  std::string_view help;           // help text; '\n' starts a continuation line
  std::string_view default_value;  // as it would be typed; "" = no default (Str gives "")
  bool integer = false;            // integer flags accept only [min, max]
  int64_t min = 0;
  int64_t max = 0;
};

// The values given for a set of flags. Copyable; not thread-safe while being filled.
class FlagValues {
 public:
  // Validates `value` against `spec` and keeps it. InvalidArgument naming the flag and the
  // accepted range when an integer flag gets something else.
  Status Set(const FlagSpec& spec, std::string_view value);
  // Gives every flag of `specs` not set yet its default value.
  void FillDefaults(std::span<const FlagSpec> specs);
  // The value of flag `name`, "" when neither given nor defaulted.
  std::string Str(std::string_view name) const;
  // The value of integer flag `name` (validated by Set), `fallback` when unset.
  int64_t Int(std::string_view name, int64_t fallback = 0) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// `value` as an integer in [min, max]; InvalidArgument naming flag `name` and the range.
Result<int64_t> ParseFlagInt(std::string_view name, std::string_view value, int64_t min,
                             int64_t max);

// Help lines for `specs`: "  --name VALUE" in a 28-column field, then the help text (on the
// next line, indented, when the name is too long), as `nimbus serve --help` lays out options.
std::string FlagHelp(std::span<const FlagSpec> specs);

}  // namespace nimbus
