// A streaming reader of the tar formats image layers use: ustar and POSIX pax (path, linkpath,
// size, uid, gid, mtime, SCHILY.xattr.*), GNU long names and long links, base-256 numbers.
// Pure parsing over a byte source; knows nothing of the file system. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace nimbus::image {

struct TarEntry {
  enum class Type { kFile, kHardLink, kSymlink, kChar, kBlock, kDir, kFifo };
  Type type = Type::kFile;
  std::string path;      // as stored (pax/GNU long names applied)
  std::string linkname;  // hard link target path or symlink target
  uint64_t size = 0;     // data bytes (regular files)
  uint32_t mode = 0;     // permission bits with setuid/setgid/sticky (07777)
  uint64_t uid = 0, gid = 0;
  uint32_t devmajor = 0, devminor = 0;
  int64_t mtime = 0;                                        // seconds
  std::vector<std::pair<std::string, std::string>> xattrs;  // SCHILY.xattr.<name> -> value
};

class TarReader {
 public:
  // `read` fills up to n bytes and returns how many (0 at the end of the stream).
  using ReadFn = std::function<Result<size_t>(char* buf, size_t n)>;
  explicit TarReader(ReadFn read) : read_(std::move(read)) {}

  // The next entry (its data unread), or nullopt at the end-of-archive marker (or a clean end of
  // the stream). Skips what was left of the previous entry's data. Corruption "tar: ..." for bad
  // checksums, truncation, unsupported entry types (GNU sparse, volume headers).
  Result<std::optional<TarEntry>> Next();
  // Up to n bytes of the current entry's data; 0 once it is all read.
  Result<size_t> ReadData(char* buf, size_t n);

 private:
  Status ReadExact(char* buf, size_t n);
  Status Skip(uint64_t n);
  Result<std::string> ReadPayload(uint64_t size);  // a pax or GNU long-name entry's data

  ReadFn read_;
  uint64_t remaining_ = 0;  // data left in the current entry
  uint64_t padding_ = 0;    // to the next 512-byte boundary after it
};

}  // namespace nimbus::image
