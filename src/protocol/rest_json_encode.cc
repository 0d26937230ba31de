// rest-json response and error encoding.
#include "protocol/codec_common.h"
#include "protocol/json_shape.h"
#include "protocol/rest_json_codec.h"
#include "protocol/wire.h"

namespace nimbus {
namespace {

std::string ScalarText(const MemberRef& m, const Value& v) {
  switch (v.type()) {
    case Value::value_t::string:
      if (m.shape->type == ShapeType::kTimestamp) {
        if (auto t = wire::ParseTimestamp(v.get_ref<const std::string&>())) {
          TimestampFormat f = m.timestamp_format == TimestampFormat::kDefault
                                  ? TimestampFormat::kRfc822
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
                                ? TimestampFormat::kRfc822
                                : m.timestamp_format;
        return wire::FormatTimestamp(v.get<double>(), f);
      }
      if (v.is_number_float()) return wire::FormatDouble(v.get<double>());
      return v.is_number_unsigned() ? std::to_string(v.get<uint64_t>())
                                    : std::to_string(v.get<int64_t>());
    case Value::value_t::binary: {
      const auto& b = v.get_binary();
      return wire::Base64Encode(
          std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    }
    default: {
      std::string out;
      json_shape::WriteGeneric(v, out);
      return out;
    }
  }
}

// Header value text for member `m`: jsonvalue base64 JSON, lists comma-joined (quoted when
// needed), header control characters replaced by spaces.
std::string HeaderText(const MemberRef& m, const Value& v) {
  std::string text;
  if (m.jsonvalue) {
    std::string json;
    json_shape::WriteGeneric(v, json);
    text = wire::Base64Encode(json);
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      std::string item = ScalarText(m.shape->member, v[i]);
      if (item.find_first_of(",\"") != std::string::npos) {
        std::string quoted = "\"";
        for (char c : item) {
          if (c == '"') quoted += '\\';
          quoted += c;
        }
        item = quoted + "\"";
      }
      if (i) text += ',';
      text += item;
    }
  } else {
    text = ScalarText(m, v);
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

}  // namespace

void RestJsonCodec::EncodeResult(const ServiceModel&, const OperationModel& operation,
                                 const Value& output, const CallContext& call,
                                 HttpResponse& response) const {
  response.status = operation.response_code();
  response.body.clear();
  codec_common::SetRequestId(call, response);
  const Shape* out = operation.output();
  if (out == nullptr || !output.is_object()) {
    if (response.status != 204) {
      response.headers.Set("Content-Type", "application/json");
      response.body = "{}";
    }
    return;
  }
  for (const MemberRef& m : out->members) {
    auto it = output.find(m.name);
    if (it == output.end() || it->is_null()) continue;
    if (m.location == Location::kStatusCode && it->is_number_integer()) {
      int status = it->get<int>();
      if (status >= 100 && status <= 999) response.status = status;
    } else if (m.location == Location::kHeader) {
      response.headers.Set(m.wire_name(), HeaderText(m, *it));
    } else if (m.location == Location::kHeaders && it->is_object()) {
      for (auto h = it->begin(); h != it->end(); ++h) {
        response.headers.Set(m.wire_name() + h.key(), HeaderText(m.shape->value, *h));
      }
    }
  }
  const MemberRef* payload = out->PayloadMember();
  if (payload != nullptr) {
    auto it = output.find(payload->name);
    bool raw =
        payload->shape->type == ShapeType::kBlob || payload->shape->type == ShapeType::kString;
    if (it == output.end() || it->is_null()) {
      if (!raw && response.status != 204) response.body = "{}";
    } else if (raw && it->is_binary()) {
      const auto& b = it->get_binary();
      response.body.assign(b.begin(), b.end());
    } else if (raw && it->is_string()) {
      response.body = it->get<std::string>();
    } else if (raw) {
      json_shape::WriteGeneric(*it, response.body);
    } else {
      json_shape::ToJson(*payload, *it, response.body);
    }
    if (!response.headers.Has("Content-Type") && !response.body.empty()) {
      response.headers.Set("Content-Type", payload->shape->type == ShapeType::kBlob
                                               ? "application/octet-stream"
                                           : raw ? "text/plain"
                                                 : "application/json");
    }
    return;
  }
  if (response.status == 204 || response.status == 304) return;
  response.headers.Set("Content-Type", "application/json");
  json_shape::ToJson(json_shape::RefTo(*out), output, response.body, /*body_only=*/true);
}

void RestJsonCodec::EncodeError(const ServiceModel&, const AwsError& error, const CallContext& call,
                                HttpResponse& response) const {
  response.status = error.http_status;
  response.headers.Set("Content-Type", "application/json");
  response.headers.Set("x-amzn-ErrorType", error.code);
  codec_common::SetRequestId(call, response);
  codec_common::AddErrorHeaders(error, response);
  std::string& out = response.body;
  out.clear();
  out += "{\"Type\":";
  bool has_type = error.fields.is_object() && error.fields.contains("Type");
  json_shape::WriteString(has_type && error.fields["Type"].is_string()
                              ? error.fields["Type"].get<std::string>()
                              : (error.sender_fault ? "User" : "Service"),
                          out);
  // AWS sends "message" (lower case) even where models spell the member "Message".
  constexpr std::string_view key = "message";
  out += ',';
  json_shape::WriteString(key, out);
  out += ':';
  json_shape::WriteString(error.message, out);
  if (error.fields.is_object()) {
    for (auto it = error.fields.begin(); it != error.fields.end(); ++it) {
      if (it.key() == "Type" || it.key() == key) continue;
      out += ',';
      json_shape::WriteString(it.key(), out);
      out += ':';
      json_shape::WriteGeneric(*it, out);
    }
  }
  out += '}';
}

}  // namespace nimbus
