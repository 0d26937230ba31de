// Parsing a client's JSON text into a document, for every place that takes JSON from outside.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace nimbus {

// nlohmann::json::parse(text) without exceptions: the document, or a discarded value
// (is_discarded()) when `text` is not one JSON value. Unlike nlohmann alone, a NUL byte anywhere
// makes the text invalid: nlohmann takes a raw NUL for the end of its input and so accepts
// "{}\0anything", while a NUL is never valid JSON (outside strings it is not whitespace, inside
// them it must be escaped). Thread-safe; never throws.
nlohmann::json ParseJson(std::string_view text);

}  // namespace nimbus
