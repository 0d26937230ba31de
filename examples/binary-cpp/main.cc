// Binary payloads through the nimbus C++ Lambda runtime.
// Event {"input": base64(gzip(text))} -> {"length": <bytes in text>,
//                                        "output": base64(gzip(upper(text)))}.
// Upper-casing is ASCII only; other bytes pass through unchanged.
#include <cctype>
#include <map>
#include <string>

#include "gzip_base64.h"
#include "mini_json.h"
#include "nimbus/lambda/runtime.h"

using nimbus::lambda::InvocationRequest;
using nimbus::lambda::InvocationResponse;

namespace {

// Lambda caps a synchronous response at 6 MB; refuse to inflate far beyond that.
constexpr std::size_t kMaxText = 64u << 20;

InvocationResponse transform(const InvocationRequest& request) {
  std::map<std::string, std::string> fields;
  if (!mini_json::read_object(request.payload, fields)) {
    return InvocationResponse::failure("the event must be a JSON object", "Binary.InvalidEvent");
  }
  auto input = fields.find("input");
  if (input == fields.end()) {
    return InvocationResponse::failure("missing string member \"input\"", "Binary.InvalidEvent");
  }
  auto compressed = binary_example::base64_decode(input->second);
  if (!compressed) {
    return InvocationResponse::failure("\"input\" is not valid base64", "Binary.InvalidBase64");
  }
  auto text = binary_example::gunzip(*compressed, kMaxText);
  if (!text) {
    return InvocationResponse::failure("\"input\" is not valid gzip data (or inflates past 64 MiB)",
                                       "Binary.InvalidGzip");
  }
  std::size_t length = text->size();
  for (char& c : *text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string body = "{\"length\":" + std::to_string(length) + ",\"output\":";
  mini_json::append_string(body, binary_example::base64_encode(binary_example::gzip(*text)));
  body += "}";
  return InvocationResponse::success(std::move(body));
}

}  // namespace

int main() { return nimbus::lambda::run_handler(transform); }
