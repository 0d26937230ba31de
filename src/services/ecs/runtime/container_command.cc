#include "services/ecs/runtime/container_command.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <map>

#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() != '/') return dir + "/" + name;
  return dir + name;
}

}  // namespace

std::vector<std::string> MergeCommand(const std::vector<std::string>& image_entrypoint,
                                      const std::vector<std::string>& image_cmd,
                                      const std::optional<std::vector<std::string>>& entry_point,
                                      const std::optional<std::vector<std::string>>& command) {
  std::vector<std::string> argv;
  std::vector<std::string> cmd = command.value_or(std::vector<std::string>{});
  if (entry_point && !entry_point->empty()) {
    argv = *entry_point;
  } else {
    if (cmd.empty()) cmd = image_cmd;
    if (!entry_point) argv = image_entrypoint;
  }
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

std::vector<std::string> MergeEnvironment(const std::vector<std::string>& image_env,
                                          const std::vector<const Value*>& environment,
                                          const std::vector<std::string>& extra) {
  std::vector<std::string> order;
  std::map<std::string, std::string> values;
  auto set = [&](const std::string& name, const std::string& value) {
    if (name.empty()) return;
    if (!values.count(name)) order.push_back(name);
    values[name] = value;
  };
  auto set_line = [&](const std::string& line) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) return;
    set(line.substr(0, eq), line.substr(eq + 1));
  };
  for (const std::string& line : image_env) set_line(line);
  if (!values.count("PATH")) set("PATH", kDefaultPath);
  for (const Value* list : environment) {
    if (list == nullptr || !list->is_array()) continue;
    for (const Value& kv : *list) set(Str(kv, "name"), Str(kv, "value"));
  }
  for (const std::string& line : extra) set_line(line);
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const std::string& name : order) out.push_back(name + "=" + values[name]);
  return out;
}

std::string EnvValue(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& line : env) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == '=') {
      return line.substr(name.size() + 1);
    }
  }
  return "";
}

Result<std::string> ResolveExecutable(const std::vector<std::string>& layers,
                                      const std::string& program, const std::string& path,
                                      const std::string& working_dir) {
  auto missing = [&](const std::string& what) {
    return Status::NotFound("exec: \"" + program + "\": " + what);
  };
  if (program.empty()) return missing("executable file not found in $PATH");
  if (program.find('/') != std::string::npos) {
    std::string abs = program[0] == '/' ? program : Join(working_dir, program);
    if (Lookup(layers, abs) == Presence::kPresent) return abs;
    return missing("stat " + abs + ": no such file or directory");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos
                                                                   : colon - start);
    if (!dir.empty() && dir[0] == '/') {
      std::string candidate = Join(dir, program);
      if (Lookup(layers, candidate) == Presence::kPresent) return candidate;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return missing("executable file not found in $PATH");
}

}  // namespace nimbus::ecs
