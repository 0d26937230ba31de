// Value -> JSON text, shape-driven (ToJson) and generic (WriteGeneric).
#include <cmath>

#include "protocol/json_shape.h"
#include "protocol/wire.h"

namespace nimbus::json_shape {
namespace {

void WriteNumber(const Value& v, std::string& out) {
  if (v.is_number_integer()) {
    out += v.is_number_unsigned() ? std::to_string(v.get<uint64_t>())
                                  : std::to_string(v.get<int64_t>());
    return;
  }
  double d = v.get<double>();
  if (std::isfinite(d)) {
    out += wire::FormatDouble(d);
  } else {
    WriteString(wire::FormatDouble(d), out);
  }
}

}  // namespace

void WriteString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c >= 0x80) {
      // Copy a valid UTF-8 sequence as is, else U+FFFD.
      size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (len != 0 && i + len <= s.size()) {
        std::string fixed = wire::SanitizeUtf8(s.substr(i, len));
        if (fixed.size() == len) {
          out.append(fixed);
          i += len;
          continue;
        }
      }
      out += "\\ufffd";
      ++i;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void WriteGeneric(const Value& v, std::string& out, int depth) {
  if (depth > kMaxDepth) {
    out += "null";
    return;
  }
  switch (v.type()) {
    case Value::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        WriteString(it.key(), out);
        out += ':';
        WriteGeneric(*it, out, depth + 1);
      }
      out += '}';
      return;
    }
    case Value::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        WriteGeneric(e, out, depth + 1);
      }
      out += ']';
      return;
    }
    case Value::value_t::string:
      WriteString(v.get_ref<const std::string&>(), out);
      return;
    case Value::value_t::binary:
      WriteString(wire::Base64Encode(BlobBytes(v)), out);
      return;
    case Value::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case Value::value_t::number_integer:
    case Value::value_t::number_unsigned:
    case Value::value_t::number_float:
      WriteNumber(v, out);
      return;
    default:
      out += "null";
      return;
  }
}

void ToJson(const MemberRef& ref, const Value& v, std::string& out, bool body_only, int depth) {
  const Shape& shape = *ref.shape;
  if (depth > kMaxDepth) {
    out += "null";
    return;
  }
  switch (shape.type) {
    case ShapeType::kStructure:
      if (shape.document || !v.is_object()) break;
      out += '{';
      {
        bool first = true;
        for (const MemberRef& m : shape.members) {
          if (body_only && m.location != Location::kBody) continue;
          auto it = v.find(m.name);
          if (it == v.end() || it->is_null()) continue;
          if (!first) out += ',';
          first = false;
          WriteString(m.wire_name(), out);
          out += ':';
          ToJson(m, *it, out, false, depth + 1);
        }
      }
      out += '}';
      return;
    case ShapeType::kList:
      if (!v.is_array()) break;
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        ToJson(shape.member, v[i], out, false, depth + 1);
      }
      out += ']';
      return;
    case ShapeType::kMap:
      if (!v.is_object()) break;
      out += '{';
      {
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (!first) out += ',';
          first = false;
          WriteString(it.key(), out);
          out += ':';
          ToJson(shape.value, *it, out, false, depth + 1);
        }
      }
      out += '}';
      return;
    case ShapeType::kBlob:
      if (v.is_binary()) {
        WriteString(wire::Base64Encode(BlobBytes(v)), out);
        return;
      }
      if (v.is_string()) {
        WriteString(wire::Base64Encode(v.get_ref<const std::string&>()), out);
        return;
      }
      break;
    case ShapeType::kTimestamp: {
      std::optional<double> t;
      if (v.is_number()) t = v.get<double>();
      if (v.is_string()) t = wire::ParseTimestamp(v.get_ref<const std::string&>());
      if (!t) break;
      if (ref.timestamp_format == TimestampFormat::kIso8601 ||
          ref.timestamp_format == TimestampFormat::kRfc822) {
        WriteString(wire::FormatTimestamp(*t, ref.timestamp_format), out);
      } else if (v.is_number()) {
        WriteNumber(v, out);
      } else {
        out += wire::FormatTimestamp(*t, TimestampFormat::kUnixTimestamp);
      }
      return;
    }
    case ShapeType::kInteger:
    case ShapeType::kLong:
      if (v.is_string()) {
        if (auto n = wire::ParseInt(v.get_ref<const std::string&>())) {
          out += std::to_string(*n);
          return;
        }
      }
      break;
    default:
      break;
  }
  WriteGeneric(v, out, depth);
}

}  // namespace nimbus::json_shape
