// libFuzzer target: IsValidJson decides whether an Invoke payload is JSON (else AWS's
// InvalidRequestContentException) for every request, on up to 6 MB of a client's bytes. It must
// never crash, and must agree with ParseJson, the parser the rest of nimbus uses, except where
// the header says they differ: numbers beyond a double, which only nlohmann refuses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json_parse.h"
#include "core/json_validate.h"

namespace {

// Whether `text` may hold a number beyond a double: an exponent, or 309 digits in a row.
bool MayOverflowADouble(std::string_view text) {
  if (text.find_first_of("eE") != std::string_view::npos) return true;
  size_t run = 0;
  for (char c : text) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 309) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool ours = nimbus::IsValidJson(input);
  const bool theirs = !nimbus::ParseJson(input).is_discarded();
  if (ours != theirs && !(ours && MayOverflowADouble(input))) __builtin_trap();
  return 0;
}
