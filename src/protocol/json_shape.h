// Shape-driven conversion between JSON text / nlohmann trees and Values, shared by the json and
// rest-json codecs. Thread-safe; never throws; recursion bounded by kMaxDepth.
#pragma once

#include <string>
#include <string_view>

#include "protocol/call.h"
#include "protocol/model.h"

namespace nimbus::json_shape {

inline constexpr int kMaxDepth = 64;

// Parses `body` as JSON, rejecting nesting deeper than kMaxDepth. Empty/whitespace-only bodies
// parse to an empty object. Returns false (with a message) on malformed JSON.
bool ParseBody(std::string_view body, Value& out, std::string& error);

// Converts a parsed JSON value into the Value convention for `ref` (base64 blobs decoded,
// timestamps to epoch seconds, ints range-checked). When `body_only`, structure members with a
// non-body location are skipped. Returns false with a human message on a type mismatch.
bool FromJson(const MemberRef& ref, Value&& in, Value& out, std::string& error,
              bool body_only = false, int depth = 0);

// Appends the JSON text of `v` serialized as `ref`'s shape (members in model order, absent or
// null members skipped, blobs base64, timestamps per format). When `body_only`, structure
// members with a non-body location are skipped.
void ToJson(const MemberRef& ref, const Value& v, std::string& out, bool body_only = false,
            int depth = 0);

// Appends `v` as generic JSON (binary as base64; invalid UTF-8 replaced).
void WriteGeneric(const Value& v, std::string& out, int depth = 0);
// Appends a JSON string literal for `s` (escaped; invalid UTF-8 replaced by U+FFFD).
void WriteString(std::string_view s, std::string& out);

// Converts the text form of a scalar (header, query string, uri label, query-protocol param)
// into the Value convention for `ref`: ints/floats/booleans parsed, blobs base64-decoded,
// timestamps (iso8601, rfc822 or epoch) to epoch seconds, strings as is. False on junk.
bool ScalarFromText(const MemberRef& ref, std::string_view text, Value& out);

// A MemberRef for a top-level shape (no member traits).
MemberRef RefTo(const Shape& shape);

}  // namespace nimbus::json_shape
