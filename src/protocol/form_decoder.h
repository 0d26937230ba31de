// Decoded application/x-www-form-urlencoded parameters of a query-protocol request, sorted by
// key for prefix lookups. Value type; not thread-safe to mutate.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http.h"

namespace nimbus {

class FormParams {
 public:
  // Query string parameters, then (POST) the urlencoded body's. Later duplicates lose.
  static FormParams FromRequest(const HttpRequest& request);
  // From one urlencoded string.
  static FormParams FromString(std::string_view urlencoded);

  // Value of the exact key, or nullptr.
  const std::string* Get(std::string_view key) const;
  // True when some key starts with `prefix` + ".".
  bool HasChildren(std::string_view prefix) const;
  // The distinct positive integers N such that a key is `prefix`.N or starts with `prefix`.N.
  // (ascending).
  std::vector<long> Indices(std::string_view prefix) const;
  size_t size() const { return kv_.size(); }

 private:
  void Add(std::string_view urlencoded);
  void Sort();
  std::vector<std::pair<std::string, std::string>> kv_;
};

}  // namespace nimbus
