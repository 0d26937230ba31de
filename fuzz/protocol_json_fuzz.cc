// libFuzzer target: json protocol decode (+ re-encode) for the embedded json services.
#include "protocol_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kServices[] = {"logs", "ecr", "ecs", "sqs"};
  return nimbus::fuzz::RunOne(kServices, data, size);
}
