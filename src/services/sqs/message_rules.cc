#include "services/sqs/message_rules.h"

#include <cctype>
#include <cstdlib>
#include <string_view>

#include "services/sqs/errors.h"

namespace nimbus::sqs {
namespace {

// Decodes one UTF-8 code point at `i`; -1 when malformed.
int64_t NextCodePoint(std::string_view s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return -1;
  int64_t cp = len == 1 ? b : b & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 2) return -1;
    cp = (cp << 6) | (c & 0x3f);
  }
  i += len;
  return cp;
}

bool Allowed(int64_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 256 || name.front() == '.' || name.back() == '.') {
    return false;
  }
  std::string lower;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return name.find("..") == std::string::npos && !lower.starts_with("aws.") &&
         !lower.starts_with("amazon.");
}

bool IsNumber(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

std::optional<AwsError> CheckBody(const std::string& body) {
  if (body.empty()) return MissingParameter("The request must contain the parameter MessageBody.");
  for (size_t i = 0; i < body.size();) {
    int64_t cp = NextCodePoint(body, i);
    if (cp < 0 || !Allowed(cp)) {
      char hex[24];
      std::snprintf(hex, sizeof hex, "#x%llX", static_cast<long long>(cp < 0 ? 0xFFFD : cp));
      return AwsError("InvalidMessageContents",
                      std::string("Invalid binary character '") + hex +
                          "' was found in the message body, the set of allowed characters is "
                          "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
                          "#x10FFFF");
    }
  }
  return std::nullopt;
}

std::optional<AwsError> CheckAttributes(const AttributeValues& attrs) {
  if (attrs.size() > 10) {
    return InvalidParameterValue("Number of message attributes [" + std::to_string(attrs.size()) +
                                 "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, a] : attrs) {
    if (!ValidName(name)) {
      return InvalidParameterValue("Message (user) attribute name '" + name +
                                   "' is invalid. The attribute name can contain only "
                                   "alphanumeric characters, underscores, hyphens and periods, "
                                   "and must not start with AWS. or Amazon.");
    }
    const std::string& t = a.data_type;
    std::string base = t.substr(0, t.find('.'));
    if (t.empty()) {
      return InvalidParameterValue("The message attribute '" + name +
                                   "' must contain non-empty message attribute type.");
    }
    if ((base != "String" && base != "Number" && base != "Binary") || t.size() > 256 ||
        (t.size() > base.size() && t.size() == base.size() + 1)) {
      return InvalidParameterValue("The message attribute '" + name +
                                   "' has an invalid message attribute type, the set of "
                                   "supported type prefixes is Binary, Number, and String.");
    }
    bool binary = base == "Binary";
    if (binary ? a.binary_value.empty() : a.string_value.empty()) {
      return InvalidParameterValue("The message attribute '" + name +
                                   "' must contain non-empty message attribute value for "
                                   "message attribute type '" +
                                   base + "'.");
    }
    if (base == "Number" && !IsNumber(a.string_value)) {
      return InvalidParameterValue("Can't cast the value of message (user) attribute '" + name +
                                   "' to a number.");
    }
    if (!binary) {
      for (size_t i = 0; i < a.string_value.size();) {
        int64_t cp = NextCodePoint(a.string_value, i);
        if (cp < 0 || !Allowed(cp)) {
          return InvalidParameterValue("Message (user) attribute '" + name +
                                       "' value contains invalid characters.");
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<AwsError> CheckSystemAttributes(const AttributeValues& attrs) {
  for (const auto& [name, a] : attrs) {
    if (name != "AWSTraceHeader") {
      return InvalidParameterValue("Message system attribute name '" + name + "' is invalid.");
    }
    if (a.data_type != "String" || a.string_value.empty()) {
      return InvalidParameterValue(
          "Message system attribute 'AWSTraceHeader' must contain a non-empty value of type "
          "'String'.");
    }
  }
  return std::nullopt;
}

size_t MessageSize(const std::string& body, const AttributeValues& attrs) {
  size_t n = body.size();
  for (const auto& [name, a] : attrs) {
    n += name.size() + a.data_type.size() + a.string_value.size() + a.binary_value.size();
  }
  return n;
}

}  // namespace nimbus::sqs
