// libFuzzer target: rest-json protocol decode (+ re-encode) for Lambda and Image Builder.
#include "protocol_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kServices[] = {"lambda", "imagebuilder"};
  return nimbus::fuzz::RunOne(kServices, data, size);
}
