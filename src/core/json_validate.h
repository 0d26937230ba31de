// A fast, allocation-light check that a text is one well-formed JSON value (RFC 8259: any
// top-level value, surrounded by optional whitespace; strings hold valid UTF-8 without raw
// control characters; \u escapes pair surrogates; numbers of any magnitude) — the grammar
// nlohmann::json::parse accepts (it also refuses numbers beyond a double), without building a
// document: for payloads passed through byte-exact that only need validating (Lambda Invoke).
// Nesting depth is limited only by memory (iterative).
#pragma once

#include <string_view>

namespace nimbus {

// True when `text` is exactly one JSON value. Thread-safe; never throws.
bool IsValidJson(std::string_view text);

}  // namespace nimbus
