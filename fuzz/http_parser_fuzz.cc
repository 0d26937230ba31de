// libFuzzer target: the HTTP request head parser and the chunked decoder on arbitrary bytes,
// fed in arbitrary splits, must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  nimbus::HttpLimits limits;
  limits.max_head_bytes = 4096;
  limits.max_body_bytes = 1 << 16;
  nimbus::HttpRequest request;
  auto head = nimbus::ParseRequestHead(input, limits, request);
  if (!head.ok() || head->head_bytes == 0) return 0;
  std::string_view rest = input.substr(head->head_bytes);
  if (head->framing == nimbus::BodyFraming::kChunked) {
    // Split point taken from the first byte so the incremental path is explored too.
    size_t split = rest.empty() ? 0 : static_cast<uint8_t>(rest[0]) % (rest.size() + 1);
    nimbus::ChunkedDecoder decoder(limits.max_body_bytes);
    std::string out, pending(rest.substr(0, split));
    for (std::string_view piece : {std::string_view(), rest.substr(split)}) {
      pending.append(piece);
      auto used = decoder.Feed(pending, out);
      if (!used.ok()) return 0;
      pending.erase(0, *used);
      if (decoder.done()) break;
    }
  }
  auto params = nimbus::ParseQueryString(request.query);
  (void)params;
  (void)nimbus::PercentDecode(request.path);
  return 0;
}
