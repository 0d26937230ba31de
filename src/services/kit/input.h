// Typed accessors for an operation's decoded input (a Value shaped by the model; see
// protocol/call.h), for every service. nlohmann's at()/get() throw on wrong types; these never
// do. Header-only, pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/call.h"

namespace nimbus {

// Member `key` of object `v`, or nullptr when `v` is not an object or lacks it (null counts as
// absent).
inline const Value* Member(const Value& v, const char* key) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  if (it == v.end() || it->is_null()) return nullptr;
  return &*it;
}
// String member, or nullopt.
inline std::optional<std::string> OptStr(const Value& v, const char* key) {
  const Value* m = Member(v, key);
  if (m == nullptr || !m->is_string()) return std::nullopt;
  return m->get<std::string>();
}
// String member, or `def`.
inline std::string Str(const Value& v, const char* key, const std::string& def = "") {
  auto s = OptStr(v, key);
  return s ? *s : def;
}
// Integer member (also accepts integral floats), or nullopt.
inline std::optional<int64_t> OptInt(const Value& v, const char* key) {
  const Value* m = Member(v, key);
  if (m == nullptr) return std::nullopt;
  if (m->is_number_integer()) return m->get<int64_t>();
  if (m->is_number_float()) {
    double d = m->get<double>();
    if (d >= -9e18 && d <= 9e18 && static_cast<double>(static_cast<int64_t>(d)) == d) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}
inline int64_t Int(const Value& v, const char* key, int64_t def = 0) {
  auto i = OptInt(v, key);
  return i ? *i : def;
}
// Boolean member, or `def`.
inline bool Bool(const Value& v, const char* key, bool def = false) {
  const Value* m = Member(v, key);
  return m != nullptr && m->is_boolean() ? m->get<bool>() : def;
}
// String member `key`, or the error AWS answers when a required member is missing:
// "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must
// not be null", with the service's `error_code` (ValidationException, InvalidParameterException).
inline Result<std::string, AwsError> RequiredStr(const Value& v, const char* key,
                                                 const char* error_code) {
  auto s = OptStr(v, key);
  if (s) return std::move(*s);
  return AwsError(error_code, std::string("1 validation error detected: Value null at '") + key +
                                  "' failed to satisfy constraint: Member must not be null");
}
// Bytes of a blob member (json::binary, or a string as decoded by some codecs).
inline std::optional<std::string> Blob(const Value& v, const char* key) {
  const Value* m = Member(v, key);
  if (m == nullptr) return std::nullopt;
  if (m->is_binary()) return std::string(BlobBytes(*m));
  if (m->is_string()) return m->get<std::string>();
  return std::nullopt;
}

}  // namespace nimbus
