#include "protocol/protocol_errors.h"

#include <cctype>

#include "protocol/json_shape.h"

namespace nimbus::protocol_errors {
namespace {

std::string LowerCamel(std::string_view name) {
  std::string s(name);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

void Join(std::string& path, std::string_view part) {
  path = path.empty() ? std::string(part) : std::string(part) + "." + path;
}

}  // namespace

bool CheckRequired(const Shape& shape, const Value& v, std::string& path, int depth) {
  if (depth > json_shape::kMaxDepth) return true;
  switch (shape.type) {
    case ShapeType::kStructure:
      if (shape.document || !v.is_object()) return true;
      for (const MemberRef& m : shape.members) {
        auto it = v.find(m.name);
        if (it == v.end() || it->is_null()) {
          if (m.required) {
            path = LowerCamel(m.name);
            return false;
          }
          continue;
        }
        if (!CheckRequired(*m.shape, *it, path, depth + 1)) {
          Join(path, LowerCamel(m.name));
          return false;
        }
      }
      return true;
    case ShapeType::kList:
      if (!v.is_array()) return true;
      for (size_t i = 0; i < v.size(); ++i) {
        if (!CheckRequired(*shape.member.shape, v[i], path, depth + 1)) {
          Join(path, std::to_string(i + 1) + ".member");
          return false;
        }
      }
      return true;
    case ShapeType::kMap:
      if (!v.is_object()) return true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!CheckRequired(*shape.value.shape, *it, path, depth + 1)) {
          Join(path, it.key());
          return false;
        }
      }
      return true;
    default:
      return true;
  }
}

AwsError MissingRequired(const ServiceModel& model, const OperationModel& op,
                         std::string_view path) {
  std::string message = "1 validation error detected: Value null at '" + std::string(path) +
                        "' failed to satisfy constraint: Member must not be null";
  if (model.metadata().protocol == "query") {
    for (const Shape* e : op.errors()) {
      if (e->name == "InvalidParameterException") {
        return AwsError(e->error_code, "Invalid parameter: " + std::string(path) +
                                           " Reason: no value for required parameter");
      }
    }
    return AwsError("ValidationError", message);
  }
  if (op.HasError("InvalidParameterException")) {
    return AwsError("InvalidParameterException", message);
  }
  return AwsError("ValidationException", message);
}

AwsError BadContent(const ServiceModel& model, const OperationModel* op, std::string_view detail) {
  (void)op;
  if (model.metadata().protocol == "rest-json" &&
      model.FindShape("InvalidRequestContentException") != nullptr) {
    return AwsError("InvalidRequestContentException",
                    "Could not parse request body into json: " + std::string(detail));
  }
  return AwsError("SerializationException", std::string(detail));
}

AwsError QueryBadValue(std::string_view param, std::string_view detail) {
  return AwsError("MalformedInput",
                  "Invalid value for parameter " + std::string(param) + ": " + std::string(detail));
}

}  // namespace nimbus::protocol_errors
