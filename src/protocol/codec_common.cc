#include "protocol/codec_common.h"

#include "protocol/json_shape.h"
#include "protocol/wire.h"

namespace nimbus::codec_common {

void SetRequestId(const CallContext& call, HttpResponse& response) {
  if (!call.request_id.empty()) response.headers.Set("x-amzn-RequestId", call.request_id);
}

void AddErrorHeaders(const AwsError& error, HttpResponse& response) {
  for (const auto& [name, value] : error.headers) response.headers.Set(name, value);
}

std::string ScalarText(const MemberRef& m, const Value& v, TimestampFormat default_format) {
  switch (v.type()) {
    case Value::value_t::string:
      if (m.shape->type == ShapeType::kTimestamp) {
        if (auto t = wire::ParseTimestamp(v.get_ref<const std::string&>())) {
          TimestampFormat f = m.timestamp_format == TimestampFormat::kDefault
                                  ? default_format
                                  : m.timestamp_format;
          return wire::FormatTimestamp(*t, f);
        }
      }
      if (m.shape->type == ShapeType::kBlob) {
        return wire::Base64Encode(v.get_ref<const std::string&>());
      }
      return v.get<std::string>();
    case Value::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Value::value_t::number_integer:
    case Value::value_t::number_unsigned:
    case Value::value_t::number_float:
      if (m.shape->type == ShapeType::kTimestamp) {
        TimestampFormat f = m.timestamp_format == TimestampFormat::kDefault
                                ? default_format
                                : m.timestamp_format;
        return wire::FormatTimestamp(v.get<double>(), f);
      }
      if (v.is_number_float()) return wire::FormatDouble(v.get<double>());
      return v.is_number_unsigned() ? std::to_string(v.get<uint64_t>())
                                    : std::to_string(v.get<int64_t>());
    case Value::value_t::binary: {
      return wire::Base64Encode(BlobBytes(v));
    }
    default: {
      std::string out;
      json_shape::WriteGeneric(v, out);
      return out;
    }
  }
}

void AppendErrorMessageAndFields(const AwsError& error, std::string_view skip_key,
                                 std::string& out) {
  constexpr std::string_view key = "message";
  out += ',';
  json_shape::WriteString(key, out);
  out += ':';
  json_shape::WriteString(error.message, out);
  if (!error.fields.is_object()) return;
  for (auto it = error.fields.begin(); it != error.fields.end(); ++it) {
    if (it.key() == skip_key || it.key() == key) continue;
    out += ',';
    json_shape::WriteString(it.key(), out);
    out += ':';
    json_shape::WriteGeneric(*it, out);
  }
}

}  // namespace nimbus::codec_common
