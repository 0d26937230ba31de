// Helpers shared by the protocol tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "core/http.h"
#include "protocol/call.h"
#include "protocol/wire.h"

namespace nimbus::testing {

// Value with blobs replaced by {"$binary": "<base64>"} so it compares with fixture JSON.
inline Value Normalize(const Value& v) {
  if (v.is_binary()) {
    const auto& b = v.get_binary();
    return Value{{"$binary", wire::Base64Encode(std::string(b.begin(), b.end()))}};
  }
  if (v.is_object()) {
    Value out = Value::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = Normalize(*it);
    return out;
  }
  if (v.is_array()) {
    Value out = Value::array();
    for (const auto& e : v) out.push_back(Normalize(e));
    return out;
  }
  return v;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A request with method, target (path?query) and body.
inline HttpRequest MakeRequest(std::string method, std::string path, std::string query = "",
                               std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.target = r.path + (r.query.empty() ? "" : "?" + r.query);
  r.body = std::move(body);
  return r;
}

}  // namespace nimbus::testing
