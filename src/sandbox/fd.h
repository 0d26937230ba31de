// Owned file descriptors and small POSIX helpers shared by the sandbox module.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace nimbus::sandbox {

// Owns one file descriptor; closes it on destruction. Move-only. Not thread-safe.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership; returns the descriptor (or -1).
  int release() { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and owns `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A pipe whose both ends are O_CLOEXEC (plus `extra_flags`, e.g. O_NONBLOCK).
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};
Result<Pipe> MakePipe(int extra_flags = 0);

// "what: strerror(errno)" as an IoError Status.
Status ErrnoStatus(std::string_view what, int err);

// Whole-file helpers. ReadFile fails with NotFound when absent. WriteFile opens an existing or
// new file O_WRONLY|O_TRUNC and writes `data` in one write(2) (as cgroupfs expects).
Result<std::string> ReadFile(const std::string& path);
Status WriteFile(const std::string& path, std::string_view data);

// State left by nimbus processes (cgroups, scratch directories, temporary files) is named
// after the owner's pid. The pid a name starts with, followed by `separator` ('\0': the name
// is the pid alone); 0 when the name has another shape.
int NameOwnerPid(std::string_view name, char separator);
// True when process `pid` no longer exists, so what it left may be removed.
bool ProcessGone(int pid);
// This process's owner tag "<pid>-<start time>" (clock ticks after boot, from /proc/self/stat;
// the pid alone when that is unreadable). Unlike the pid it is not shared with an earlier process
// that had the same pid, such as a restarted container's PID 1. Thread-safe.
const std::string& OwnerTag();
// True when the owner of `name` ("<pid>-<start time>-...", OwnerTag() then '-') is gone: no such
// pid, or that pid now belongs to a process started at another time. The older "<pid>-<seq>"
// form is judged by its pid alone; a name of neither form is never gone.
bool TaggedOwnerGone(std::string_view name);

}  // namespace nimbus::sandbox
