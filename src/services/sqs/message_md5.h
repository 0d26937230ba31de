// The digests SQS returns for a message, computed exactly as AWS does (and as SDKs verify):
// hex MD5 of the body, and of the message (or system) attributes in AWS's binary encoding.
// Pure; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "services/sqs/api/queue_sender.h"

namespace nimbus::sqs {

// Lower-case hex MD5 of `bytes`.
std::string Md5Hex(std::string_view bytes);

// MD5OfMessageAttributes / MD5OfMessageSystemAttributes: over the attributes sorted by name,
// each as 4-byte big-endian length-prefixed name and data type, a transport byte (1 String or
// Number, 2 Binary) and the length-prefixed value. "" when `attributes` is empty.
std::string AttributesMd5(const std::map<std::string, MessageAttribute>& attributes);

}  // namespace nimbus::sqs
