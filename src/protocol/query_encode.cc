// query protocol response encoding (what botocore's QueryParser reads).
#include <cctype>

#include "protocol/codec_common.h"
#include "protocol/json_shape.h"
#include "protocol/query_codec.h"
#include "protocol/wire.h"
#include "protocol/xml_writer.h"

namespace nimbus {
namespace {

constexpr int kMaxDepth = 48;


// The element name botocore looks up for structure member `m`.
const std::string& MemberTag(const MemberRef& m) {
  if (m.shape->type == ShapeType::kList && m.flattened && !m.shape->member.query_location_name().empty()) {
    return m.shape->member.query_location_name();
  }
  return m.query_wire_name();
}

void WriteValue(XmlWriter& xml, const std::string& tag, const MemberRef& ref, const Value& v,
                int depth);

void WriteMembers(XmlWriter& xml, const Shape& shape, const Value& v, int depth) {
  if (!v.is_object()) return;
  for (const MemberRef& m : shape.members) {
    auto it = v.find(m.name);
    if (it == v.end() || it->is_null()) continue;
    WriteValue(xml, MemberTag(m), m, *it, depth + 1);
  }
}

void WriteValue(XmlWriter& xml, const std::string& tag, const MemberRef& ref, const Value& v,
                int depth) {
  if (depth > kMaxDepth) return;
  const Shape& shape = *ref.shape;
  if (shape.type == ShapeType::kStructure && !shape.document) {
    xml.Open(tag);
    WriteMembers(xml, shape, v, depth);
    xml.Close(tag);
  } else if (shape.type == ShapeType::kList && v.is_array()) {
    const std::string item =
        shape.member.query_location_name().empty() ? "member" : shape.member.query_location_name();
    if (!ref.flattened) xml.Open(tag);
    for (const auto& e : v) {
      if (!e.is_null()) WriteValue(xml, ref.flattened ? tag : item, shape.member, e, depth + 1);
    }
    if (!ref.flattened) xml.Close(tag);
  } else if (shape.type == ShapeType::kMap && v.is_object()) {
    std::string ks = shape.key.query_location_name().empty() ? "key" : shape.key.query_location_name();
    std::string vs = shape.value.query_location_name().empty() ? "value" : shape.value.query_location_name();
    if (!ref.flattened) xml.Open(tag);
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it->is_null()) continue;
      xml.Open(ref.flattened ? tag : "entry");
      xml.Element(ks, it.key());
      WriteValue(xml, vs, shape.value, *it, depth + 1);
      xml.Close(ref.flattened ? tag : "entry");
    }
    if (!ref.flattened) xml.Close(tag);
  } else {
    xml.Element(tag, codec_common::ScalarText(ref, v, TimestampFormat::kIso8601));
  }
}

void WriteRequestId(XmlWriter& xml, const CallContext& call) {
  xml.Element("RequestId", call.request_id);
}

}  // namespace

void QueryCodec::EncodeResult(const ServiceModel& model, const OperationModel& operation,
                              const Value& output, const CallContext& call,
                              HttpResponse& response) const {
  response.status = 200;
  response.headers.Set("Content-Type", "text/xml");
  codec_common::SetRequestId(call, response);
  std::string& out = response.body;
  out.clear();
  out.reserve(256);
  XmlWriter xml(out);
  const std::string root = operation.name() + "Response";
  xml.Open(root, model.metadata().xml_namespace);
  if (const Shape* shape = operation.output()) {
    const std::string& wrapper = operation.result_wrapper();
    if (!wrapper.empty()) xml.Open(wrapper);
    WriteMembers(xml, *shape, output, 0);
    if (!wrapper.empty()) xml.Close(wrapper);
  }
  xml.Open("ResponseMetadata");
  WriteRequestId(xml, call);
  xml.Close("ResponseMetadata");
  xml.Close(root);
}

void QueryCodec::EncodeError(const ServiceModel& model, const AwsError& error,
                             const CallContext& call, HttpResponse& response) const {
  response.status = error.http_status;
  response.headers.Set("Content-Type", "text/xml");
  codec_common::SetRequestId(call, response);
  codec_common::AddErrorHeaders(error, response);
  std::string& out = response.body;
  out.clear();
  XmlWriter xml(out);
  xml.Open("ErrorResponse", model.metadata().xml_namespace);
  xml.Open("Error");
  xml.Element("Type", error.sender_fault ? "Sender" : "Receiver");
  xml.Element("Code", error.code);
  xml.Element("Message", error.message);
  if (error.fields.is_object()) {
    for (auto it = error.fields.begin(); it != error.fields.end(); ++it) {
      const std::string& k = it.key();
      bool valid = !k.empty() && k != "Type" && k != "Code" && k != "Message";
      for (char c : k) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
      if (!valid) continue;
      xml.Element(
          k, it->is_string() ? it->get<std::string>() : [&] {
            std::string s;
            json_shape::WriteGeneric(*it, s);
            return s;
          }());
    }
  }
  xml.Close("Error");
  WriteRequestId(xml, call);
  xml.Close("ErrorResponse");
}

}  // namespace nimbus
