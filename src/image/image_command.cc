#include "image/image_command.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace nimbus::image {
namespace {

enum class Presence { kAbsent, kPresent, kHidden };

// What the topmost layer that knows `path` says of it.
Presence Lookup(const std::vector<std::string>& layers, const std::string& path) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    struct stat st;
    if (::lstat((*it + path).c_str(), &st) != 0) continue;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) return Presence::kHidden;
    if (S_ISDIR(st.st_mode)) return Presence::kAbsent;
    return Presence::kPresent;
  }
  return Presence::kAbsent;
}

// The same, seen through the container's bind mounts: the innermost mount holding `path` has the
// say (a plain file there is present, whatever the layers hold).
Presence Lookup(const std::vector<std::string>& layers, const std::vector<MountedDir>& mounts,
                const std::string& path) {
  const MountedDir* inner = nullptr;
  for (const MountedDir& m : mounts) {
    const bool under = path == m.target || (path.starts_with(m.target) &&
                                            (m.target.ends_with('/') || path[m.target.size()] == '/'));
    if (under && (inner == nullptr || m.target.size() > inner->target.size())) inner = &m;
  }
  if (inner == nullptr) return Lookup(layers, path);
  struct stat st;
  const std::string host = inner->host_dir + path.substr(inner->target.size());
  return ::stat(host.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) ? Presence::kPresent
                                                                 : Presence::kAbsent;
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() != '/') return dir + "/" + name;
  return dir + name;
}

}  // namespace

std::vector<std::string> Command::argv() const {
  std::vector<std::string> out = entrypoint;
  out.insert(out.end(), cmd.begin(), cmd.end());
  return out;
}

Command MergeCommand(const std::vector<std::string>& image_entrypoint,
                     const std::vector<std::string>& image_cmd,
                     const std::optional<std::vector<std::string>>& entry_point,
                     const std::optional<std::vector<std::string>>& command) {
  Command out;
  out.cmd = command.value_or(std::vector<std::string>{});
  if (entry_point && !entry_point->empty()) {
    out.entrypoint = *entry_point;
  } else {
    if (out.cmd.empty()) out.cmd = image_cmd;
    if (!entry_point) out.entrypoint = image_entrypoint;
  }
  return out;
}

Result<std::string> ResolveExecutable(const std::vector<std::string>& layers,
                                      const std::string& program, const std::string& path,
                                      const std::string& working_dir,
                                      const std::vector<MountedDir>& mounts) {
  auto missing = [&](const std::string& what) {
    return Status::NotFound("exec: \"" + program + "\": " + what);
  };
  if (program.empty()) return missing("executable file not found in $PATH");
  if (program.find('/') != std::string::npos) {
    std::string abs = program[0] == '/' ? program : Join(working_dir, program);
    if (Lookup(layers, mounts, abs) == Presence::kPresent) return abs;
    return missing("stat " + abs + ": no such file or directory");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir =
        path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && dir[0] == '/') {
      std::string candidate = Join(dir, program);
      if (Lookup(layers, mounts, candidate) == Presence::kPresent) return candidate;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return missing("executable file not found in $PATH");
}

}  // namespace nimbus::image
