#include "sandbox/fd.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace nimbus::sandbox {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<Pipe> MakePipe(int extra_flags) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | extra_flags) != 0) return ErrnoStatus("pipe2", errno);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Status ErrnoStatus(std::string_view what, int err) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(std::move(msg));
  return Status::IoError(std::move(msg));
}

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read " + path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status WriteFile(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  ssize_t n;
  do {
    n = ::write(fd.get(), data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoStatus("write " + path, errno);
  if (static_cast<size_t>(n) != data.size()) return Status::IoError("short write to " + path);
  return Status::Ok();
}

int NameOwnerPid(std::string_view name, char separator) {
  size_t end = separator == '\0' ? name.size() : name.find(separator);
  if (end == std::string_view::npos) return 0;
  int pid = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + end, pid);
  return ec == std::errc() && ptr == name.data() + end && pid > 0 ? pid : 0;
}

bool ProcessGone(int pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

namespace {

// Field 22 (starttime) of /proc/<pid>/stat, or 0 when it cannot be read (e.g. the pid is gone).
uint64_t ProcessStartTicks(const std::string& pid) {
  auto stat = ReadFile("/proc/" + pid + "/stat");
  if (!stat.ok()) return 0;
  size_t at = stat->rfind(')');  // the command name may hold spaces and parentheses
  if (at == std::string::npos) return 0;
  for (int field = 2; field < 22 && at != std::string::npos; ++field) {
    at = stat->find(' ', at + 1);
  }
  if (at == std::string::npos) return 0;
  uint64_t ticks = 0;
  std::from_chars(stat->data() + at + 1, stat->data() + stat->size(), ticks);
  return ticks;
}

}  // namespace

const std::string& OwnerTag() {
  static const std::string tag = [] {
    std::string pid = std::to_string(::getpid());
    uint64_t start = ProcessStartTicks(pid);
    return start == 0 ? pid : pid + "-" + std::to_string(start);
  }();
  return tag;
}

bool TaggedOwnerGone(std::string_view name) {
  int pid = NameOwnerPid(name, '-');
  if (pid == 0) return false;
  std::string_view rest = name.substr(name.find('-') + 1);
  size_t dash = rest.find('-');
  if (dash == std::string_view::npos) return ProcessGone(pid);
  uint64_t start = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + dash, start);
  if (ec != std::errc() || end != rest.data() + dash) return false;
  if (ProcessGone(pid)) return true;
  uint64_t now = ProcessStartTicks(std::to_string(pid));
  return now != 0 && now != start;
}

}  // namespace nimbus::sandbox
