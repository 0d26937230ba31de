// Internal text helpers: base64, JSON string escaping, URL path escaping, header comparisons.
#pragma once

#include <string>
#include <string_view>

namespace nimbus::lambda::internal {

// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);
// Appends `text` as a quoted JSON string; invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view text);
// Percent-encodes every byte outside [A-Za-z0-9-._~] (request ids come from the network).
std::string escape_path_segment(std::string_view segment);
// Drops CR, LF and other control bytes so the value is safe in an HTTP header or trailer.
std::string header_safe(std::string_view value);
// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);
// Removes leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

}  // namespace nimbus::lambda::internal
