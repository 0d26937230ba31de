// query protocol request decoding (inverse of botocore's QuerySerializer).
#include "protocol/query_codec.h"

#include "protocol/form_decoder.h"
#include "protocol/json_shape.h"
#include "protocol/protocol_errors.h"

namespace nimbus {
namespace {

constexpr int kMaxDepth = 32;

class QueryDecoder {
 public:
  explicit QueryDecoder(const FormParams& form) : form_(form) {}

  // Decodes the value of `ref` stored under `key`. Sets `present` when anything was there.
  bool Decode(const MemberRef& ref, const std::string& key, Value& out, bool& present, int depth) {
    present = false;
    if (depth > kMaxDepth) return true;
    const Shape& shape = *ref.shape;
    switch (shape.type) {
      case ShapeType::kStructure:
        return DecodeStructure(shape, key, out, present, depth);
      case ShapeType::kList:
        return DecodeList(ref, key, out, present, depth);
      case ShapeType::kMap:
        return DecodeMap(ref, key, out, present, depth);
      default: {
        const std::string* text = form_.Get(key);
        if (text == nullptr) return true;
        present = true;
        if (!json_shape::ScalarFromText(ref, *text, out)) {
          bad_param_ = key;
          return false;
        }
        return true;
      }
    }
  }

  bool DecodeStructure(const Shape& shape, const std::string& key, Value& out, bool& present,
                       int depth) {
    if (shape.document) return true;
    out = Value::object();
    if (!key.empty() && !form_.HasChildren(key)) return true;
    for (const MemberRef& m : shape.members) {
      std::string child = key.empty() ? m.query_wire_name() : key + "." + m.query_wire_name();
      Value v;
      bool child_present = false;
      if (!Decode(m, child, v, child_present, depth + 1)) return false;
      if (child_present) {
        out[m.name] = std::move(v);
        present = true;
      }
    }
    return true;
  }

  bool DecodeList(const MemberRef& ref, const std::string& key, Value& out, bool& present,
                  int depth) {
    const MemberRef& member = ref.shape->member;
    std::string prefix = key;
    if (ref.flattened) {
      if (!member.query_location_name().empty()) {
        size_t dot = key.rfind('.');
        prefix = (dot == std::string::npos ? std::string() : key.substr(0, dot + 1)) +
                 member.query_location_name();
      }
    } else {
      prefix = key + "." + (member.query_location_name().empty() ? "member" : member.query_location_name());
    }
    out = Value::array();
    if (const std::string* empty = form_.Get(key); empty != nullptr && empty->empty()) {
      present = true;  // botocore sends "Key=" for an empty list
    }
    for (long i : form_.Indices(prefix)) {
      Value v;
      bool element_present = false;
      if (!Decode(member, prefix + "." + std::to_string(i), v, element_present, depth + 1)) {
        return false;
      }
      if (element_present) {
        out.push_back(std::move(v));
        present = true;
      }
    }
    return true;
  }

  bool DecodeMap(const MemberRef& ref, const std::string& key, Value& out, bool& present,
                 int depth) {
    const Shape& shape = *ref.shape;
    std::string prefix = ref.flattened ? key : key + ".entry";
    std::string ks = shape.key.query_location_name().empty() ? "key" : shape.key.query_location_name();
    std::string vs = shape.value.query_location_name().empty() ? "value" : shape.value.query_location_name();
    out = Value::object();
    for (long i : form_.Indices(prefix)) {
      std::string entry = prefix + "." + std::to_string(i) + ".";
      const std::string* k = form_.Get(entry + ks);
      if (k == nullptr) continue;
      Value v;
      bool value_present = false;
      if (!Decode(shape.value, entry + vs, v, value_present, depth + 1)) return false;
      if (value_present) {
        out[*k] = std::move(v);
        present = true;
      }
    }
    return true;
  }

  const std::string& bad_param() const { return bad_param_; }

 private:
  const FormParams& form_;
  std::string bad_param_;
};

// Fast path for the common "Action=X&Version=Y" form with no other (or encoded) parameters:
// sets action/version views into `form` and returns true.
bool OnlyActionVersion(std::string_view form, std::string_view& action, std::string_view& version) {
  if (form.find_first_of("%+") != std::string_view::npos) return false;
  int seen = 0;
  while (!form.empty()) {
    size_t amp = form.find('&');
    std::string_view part = form.substr(0, amp);
    if (part.substr(0, 7) == "Action=") {
      action = part.substr(7);
    } else if (part.substr(0, 8) == "Version=") {
      version = part.substr(8);
    } else {
      return false;
    }
    if (++seen > 2) return false;
    if (amp == std::string_view::npos) break;
    form.remove_prefix(amp + 1);
  }
  return !action.empty() && !version.empty();
}

}  // namespace

Result<DecodedCall, AwsError> QueryCodec::Decode(const ServiceModel& model,
                                                 const HttpRequest& request) const {
  std::string_view fast_action, fast_version;
  if (request.query.empty() && request.target.find('?') == std::string::npos &&
      OnlyActionVersion(request.body, fast_action, fast_version) &&
      fast_version == model.metadata().api_version) {
    if (const OperationModel* op = model.FindOperation(fast_action)) {
      std::string missing;
      DecodedCall call;
      call.operation = op;
      call.input = Value::object();
      if (op->input() == nullptr ||
          protocol_errors::CheckRequired(*op->input(), call.input, missing)) {
        return call;
      }
    }
  }
  FormParams form = FormParams::FromRequest(request);
  const std::string* action = form.Get("Action");
  if (action == nullptr || action->empty()) return AwsError("MissingAction", "Missing Action");
  const std::string* version = form.Get("Version");
  const OperationModel* op = model.FindOperation(*action);
  if (op == nullptr || (version != nullptr && *version != model.metadata().api_version)) {
    return AwsError("InvalidAction", "Could not find operation " + *action + " for version " +
                                         (version ? *version : model.metadata().api_version));
  }
  DecodedCall call;
  call.operation = op;
  call.input = Value::object();
  const Shape* in = op->input();
  // Fast path: nothing but Action/Version (e.g. GetCallerIdentity).
  if (in == nullptr || in->members.empty() ||
      form.size() <= static_cast<size_t>(1 + (version != nullptr))) {
    if (in != nullptr) {
      std::string missing;
      if (!protocol_errors::CheckRequired(*in, call.input, missing)) {
        return protocol_errors::MissingRequired(model, *op, missing);
      }
    }
    return call;
  }
  QueryDecoder decoder(form);
  bool present = false;
  if (!decoder.DecodeStructure(*in, "", call.input, present, 0)) {
    return protocol_errors::QueryBadValue(decoder.bad_param(), "could not be parsed");
  }
  std::string missing;
  if (!protocol_errors::CheckRequired(*in, call.input, missing)) {
    return protocol_errors::MissingRequired(model, *op, missing);
  }
  return call;
}

}  // namespace nimbus
