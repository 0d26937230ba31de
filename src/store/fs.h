// Small POSIX filesystem helpers for durable writes. Thread-safe (no shared state). Errors are
// returned as IoError statuses naming the path and errno text.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nimbus::store {

// Creates `dir` and missing parents with mode 0700 (existing directories are left as they are).
Status MakeDirs(const std::string& dir);
// fsync()s a directory so renames/creations inside it are durable.
Status SyncDir(const std::string& dir);
// Writes all of `data` to `fd`, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view data, const std::string& path_for_errors);
// The same at file offset `offset` (pwrite: the file position is not used).
Status PWriteAll(int fd, std::string_view data, uint64_t offset,
                 const std::string& path_for_errors);
// Reads `fd` from its position to EOF, calling `each` with successive pieces (64 KiB at most).
Status ReadChunks(int fd, const std::string& path_for_errors,
                  const std::function<void(std::string_view)>& each);
// IoError "<what> <path>: <strerror(errno)>" from the current errno.
Status ErrnoStatus(std::string_view what, const std::string& path);

}  // namespace nimbus::store
