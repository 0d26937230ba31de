// A minimal, defensive reader of ZIP archives held in memory (Lambda deployment packages):
// central directory (with Zip64), stored and deflated entries, CRC and size checks. Never
// trusts the archive: every offset and size is bounds-checked, inflation is capped at the
// declared size. Thread-compatible value type; the archive bytes must outlive the reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::lambda {

struct ZipEntry {
  std::string name;     // as stored (may be unsafe; see SafeRelativePath)
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint32_t unix_mode = 0;  // st_mode from external attributes when made on Unix, else 0
  bool encrypted = false;

  bool is_directory() const { return !name.empty() && name.back() == '/'; }
  bool is_symlink() const { return (unix_mode & 0170000) == 0120000; }
  bool is_executable() const { return (unix_mode & 0111) != 0; }
};

class ZipReader {
 public:
  // Parses the central directory of `archive`. Corruption for anything that is not a readable
  // ZIP (no end record, truncated or overlapping structures, absurd counts).
  static Result<ZipReader> Open(std::string_view archive);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // Sum of the declared uncompressed sizes.
  uint64_t total_uncompressed() const { return total_uncompressed_; }
  // The entry's bytes, inflated and CRC-checked. Corruption on any mismatch; Unimplemented for
  // encryption or methods other than stored/deflate.
  Result<std::string> Read(const ZipEntry& entry) const;

 private:
  explicit ZipReader(std::string_view archive) : archive_(archive) {}
  Status ParseCentralDirectory();

  std::string_view archive_;
  std::vector<ZipEntry> entries_;
  uint64_t total_uncompressed_ = 0;
};

// Normalizes an entry name to a safe relative path ("a/b/c"): backslashes become '/', empty and
// "." components are dropped. InvalidArgument for absolute paths, drive letters, ".." components,
// NUL bytes or an empty result.
Result<std::string> SafeRelativePath(std::string_view name);

}  // namespace nimbus::lambda
