// Wire-format helpers shared by the codecs: base64, timestamps, number parsing and formatting.
// Pure functions; thread-safe; never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/model.h"

namespace nimbus::wire {

// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
// Decodes standard base64 (padding optional; whitespace not allowed). nullopt when invalid.
std::optional<std::string> Base64Decode(std::string_view text);

// Parses an ISO 8601 date-time ("2015-08-30T12:36:00Z", fractions, offsets), an RFC 822/1123
// date ("Sun, 30 Aug 2015 12:36:00 GMT") or epoch seconds ("1440938160.5") into epoch seconds.
std::optional<double> ParseTimestamp(std::string_view text);
// Formats epoch seconds: kIso8601 "2015-08-30T12:36:00Z" (".123Z" with millis when fractional),
// kRfc822 "Sun, 30 Aug 2015 12:36:00 GMT", kUnixTimestamp "1440938160" / "1440938160.123".
std::string FormatTimestamp(double epoch_seconds, TimestampFormat format);

// Strict decimal integer ("-12"); nullopt on junk or overflow of int64.
std::optional<int64_t> ParseInt(std::string_view text);
// Decimal float, "NaN", "Infinity", "-Infinity"; nullopt on junk.
std::optional<double> ParseDouble(std::string_view text);
// Shortest round-trip text of a double; "NaN"/"Infinity"/"-Infinity" for non-finite values.
std::string FormatDouble(double v);

// Replaces invalid UTF-8 sequences with U+FFFD.
std::string SanitizeUtf8(std::string_view in);

}  // namespace nimbus::wire
