// libFuzzer target: a Lambda deployment package (ZipFile, layer Content) is whatever a client
// uploads. Opening it, reading every entry and checking every name must never crash, hang, read
// out of bounds or inflate past the declared size.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/lambda/control/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view archive(reinterpret_cast<const char*>(data), size);
  auto zip = nimbus::lambda::ZipReader::Open(archive);
  if (!zip.ok()) return 0;
  for (const nimbus::lambda::ZipEntry& entry : zip->entries()) {
    (void)nimbus::lambda::SafeRelativePath(entry.name);
    auto bytes = zip->Read(entry);
    if (bytes.ok() && bytes->size() != entry.uncompressed_size) __builtin_trap();
  }
  return 0;
}
