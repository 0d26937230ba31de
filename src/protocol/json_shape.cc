#include "protocol/json_shape.h"

#include <cmath>
#include <limits>

#include "core/json_parse.h"
#include "protocol/wire.h"

namespace nimbus::json_shape {
namespace {

// Max nesting of `body` (brackets outside strings), stopping early past `limit`.
int NestingDepth(std::string_view body, int limit) {
  int depth = 0, max = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max;
}

const char* TypeName(const Value& v) {
  switch (v.type()) {
    case Value::value_t::object:
      return "START_OBJECT";
    case Value::value_t::array:
      return "START_ARRAY";
    case Value::value_t::string:
      return "VALUE_STRING";
    case Value::value_t::boolean:
      return "VALUE_BOOLEAN";
    case Value::value_t::number_float:
      return "VALUE_NUMBER_FLOAT";
    case Value::value_t::number_integer:
    case Value::value_t::number_unsigned:
      return "VALUE_NUMBER_INT";
    default:
      return "VALUE_NULL";
  }
}

bool Mismatch(const Value& in, const char* want, std::string& error) {
  error = std::string(TypeName(in)) + " can not be converted to " + want;
  return false;
}

bool ToInteger(Value&& in, bool is_long, Value& out, std::string& error) {
  const char* want = is_long ? "a Long" : "an Integer";
  int64_t lo = is_long ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int32_t>::min();
  int64_t hi = is_long ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int32_t>::max();
  if (in.is_number_integer()) {
    int64_t v = in.get<int64_t>();
    if (in.is_number_unsigned() && in.get<uint64_t>() > static_cast<uint64_t>(hi)) {
      error = "Numeric value (" + in.dump() + ") out of range of " + want;
      return false;
    }
    if (v < lo || v > hi) {
      error = "Numeric value (" + in.dump() + ") out of range of " + want;
      return false;
    }
    out = v;
    return true;
  }
  if (in.is_number_float()) {
    double d = in.get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(lo) ||
        d >= static_cast<double>(hi) + 1.0) {
      error = "Numeric value (" + wire::FormatDouble(d) + ") out of range of " + want;
      return false;
    }
    out = static_cast<int64_t>(d);
    return true;
  }
  return Mismatch(in, want, error);
}

}  // namespace

MemberRef RefTo(const Shape& shape) {
  MemberRef r;
  r.shape = &shape;
  return r;
}

bool ScalarFromText(const MemberRef& ref, std::string_view text, Value& out) {
  switch (ref.shape->type) {
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      auto n = wire::ParseInt(text);
      if (!n) return false;
      if (ref.shape->type == ShapeType::kInteger &&
          (*n < std::numeric_limits<int32_t>::min() || *n > std::numeric_limits<int32_t>::max())) {
        return false;
      }
      out = *n;
      return true;
    }
    case ShapeType::kFloat:
    case ShapeType::kDouble: {
      auto d = wire::ParseDouble(text);
      if (!d) return false;
      out = *d;
      return true;
    }
    case ShapeType::kBoolean:
      if (text == "true" || text == "false") {
        out = text == "true";
        return true;
      }
      return false;
    case ShapeType::kBlob: {
      auto bytes = wire::Base64Decode(text);
      if (!bytes) return false;
      out = BlobValue(*bytes);
      return true;
    }
    case ShapeType::kTimestamp: {
      auto t = wire::ParseTimestamp(text);
      if (!t) return false;
      out = *t;
      return true;
    }
    case ShapeType::kString:
    case ShapeType::kUnknown:
      out = std::string(text);
      return true;
    default:
      return false;
  }
}

bool ParseBody(std::string_view body, Value& out, std::string& error) {
  size_t i = body.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) {
    out = Value::object();
    return true;
  }
  if (NestingDepth(body, kMaxDepth) > kMaxDepth) {
    error = "JSON nesting too deep";
    return false;
  }
  out = ParseJson(body);
  if (out.is_discarded()) {
    error = "Malformed JSON body";
    out = Value();
    return false;
  }
  return true;
}

bool FromJson(const MemberRef& ref, Value&& in, Value& out, std::string& error, bool body_only,
              int depth) {
  const Shape& shape = *ref.shape;
  if (depth > kMaxDepth) {
    error = "Input nesting too deep";
    return false;
  }
  switch (shape.type) {
    case ShapeType::kStructure: {
      if (shape.document) {
        out = std::move(in);
        return true;
      }
      if (!in.is_object()) return Mismatch(in, "a structure", error);
      out = Value::object();
      for (const MemberRef& m : shape.members) {
        if (body_only && m.location != Location::kBody) continue;
        auto it = in.find(m.wire_name());
        if (it == in.end() || it->is_null()) continue;
        Value converted;
        if (!FromJson(m, std::move(*it), converted, error, false, depth + 1)) {
          error = m.name + ": " + error;
          return false;
        }
        out[m.name] = std::move(converted);
      }
      return true;
    }
    case ShapeType::kList: {
      if (!in.is_array()) return Mismatch(in, "a list", error);
      out = Value::array();
      for (auto& e : in) {
        if (e.is_null()) continue;
        Value converted;
        if (!FromJson(shape.member, std::move(e), converted, error, false, depth + 1)) return false;
        out.push_back(std::move(converted));
      }
      return true;
    }
    case ShapeType::kMap: {
      if (!in.is_object()) return Mismatch(in, "a map", error);
      out = Value::object();
      for (auto it = in.begin(); it != in.end(); ++it) {
        if (it->is_null()) continue;
        Value converted;
        if (!FromJson(shape.value, std::move(*it), converted, error, false, depth + 1)) {
          return false;
        }
        out[it.key()] = std::move(converted);
      }
      return true;
    }
    case ShapeType::kString:
      if (!in.is_string()) return Mismatch(in, "a String", error);
      out = std::move(in);
      return true;
    case ShapeType::kInteger:
    case ShapeType::kLong:
      return ToInteger(std::move(in), shape.type == ShapeType::kLong, out, error);
    case ShapeType::kFloat:
    case ShapeType::kDouble:
      if (in.is_number()) {
        out = in.get<double>();
        return true;
      }
      if (in.is_string()) {
        if (auto d = wire::ParseDouble(in.get_ref<const std::string&>())) {
          out = *d;
          return true;
        }
      }
      return Mismatch(in, "a Double", error);
    case ShapeType::kBoolean:
      if (!in.is_boolean()) return Mismatch(in, "a Boolean", error);
      out = std::move(in);
      return true;
    case ShapeType::kBlob: {
      if (!in.is_string()) return Mismatch(in, "a Blob", error);
      auto bytes = wire::Base64Decode(in.get_ref<const std::string&>());
      if (!bytes) {
        error = "Invalid base64 in blob value";
        return false;
      }
      out = BlobValue(*bytes);
      return true;
    }
    case ShapeType::kTimestamp:
      if (in.is_number()) {
        out = std::move(in);
        return true;
      }
      if (in.is_string()) {
        if (auto t = wire::ParseTimestamp(in.get_ref<const std::string&>())) {
          out = *t;
          return true;
        }
      }
      return Mismatch(in, "a Timestamp", error);
    case ShapeType::kUnknown:
      out = std::move(in);
      return true;
  }
  return true;
}

}  // namespace nimbus::json_shape
