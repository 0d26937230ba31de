// rest-json response and error encoding.
#include "protocol/codec_common.h"
#include "protocol/json_shape.h"
#include "protocol/rest_json_codec.h"
#include "protocol/wire.h"

namespace nimbus {
namespace {

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
      std::string item = codec_common::ScalarText(m.shape->member, v[i], TimestampFormat::kRfc822);
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
    text = codec_common::ScalarText(m, v, TimestampFormat::kRfc822);
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
      response.body = BlobBytes(*it);
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
  codec_common::AppendErrorMessageAndFields(error, "Type", out);
  out += '}';
}

}  // namespace nimbus
