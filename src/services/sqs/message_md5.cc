#include "services/sqs/message_md5.h"

#include <openssl/evp.h>

#include <cstdint>

namespace nimbus::sqs {
namespace {

void AppendLengthPrefixed(std::string& out, std::string_view bytes) {
  auto n = static_cast<uint32_t>(bytes.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(bytes);
}

}  // namespace

std::string Md5Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string AttributesMd5(const std::map<std::string, MessageAttribute>& attributes) {
  if (attributes.empty()) return "";
  std::string buf;
  for (const auto& [name, attr] : attributes) {  // std::map: sorted by name
    AppendLengthPrefixed(buf, name);
    AppendLengthPrefixed(buf, attr.data_type);
    if (attr.data_type.starts_with("Binary")) {
      buf.push_back(2);
      AppendLengthPrefixed(buf, attr.binary_value);
    } else {
      buf.push_back(1);
      AppendLengthPrefixed(buf, attr.string_value);
    }
  }
  return Md5Hex(buf);
}

}  // namespace nimbus::sqs
