// libFuzzer target: what a CloudWatch Logs caller sends besides JSON — filter patterns
// (FilterLogEvents) and the pagination tokens it hands back (GetLogEvents, FilterLogEvents,
// DescribeLogGroups/Streams). The first byte picks the parser. Must never crash or hang, and a
// token that decodes must be the one its position encodes to.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/logs/filter_pattern.h"
#include "services/logs/tokens.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace nimbus::logs;
  switch (data[0] % 5) {
    case 0: {  // a pattern, then the rest of the input as a message
      size_t split = input.find('\n');
      auto pattern = FilterPattern::Parse(input.substr(0, split));
      if (pattern.ok() && split != std::string_view::npos) {
        (void)pattern->Matches(input.substr(split + 1));
      }
      break;
    }
    case 1:
      if (auto t = DecodeStreamToken(input)) {
        if (EncodeStreamToken(t->forward, t->pos) != input) __builtin_trap();
      }
      break;
    case 2:
      if (auto pos = DecodeFilterToken(input)) (void)EncodeFilterToken(*pos);
      break;
    case 3:
      if (auto cursor = DecodeStreamsToken(input)) {
        (void)EncodeStreamsToken(cursor->first, cursor->second);
      }
      break;
    default:
      (void)DecodePageToken("groups", input);
  }
  return 0;
}
