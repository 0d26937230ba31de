// libFuzzer target: query protocol decode (+ re-encode) for STS and SNS.
#include "protocol_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kServices[] = {"sts", "sns"};
  return nimbus::fuzz::RunOne(kServices, data, size);
}
