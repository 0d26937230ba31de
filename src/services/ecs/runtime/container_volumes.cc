#include "services/ecs/runtime/container_volumes.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

Status Refuse(std::string why) { return Status::FailedPrecondition(std::move(why)); }

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// True when a directory on the way to `path` (or `path` itself) is a symlink in a layer.
bool ThroughSymlink(const std::vector<std::string>& layers, const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string prefix = path.substr(0, i);
    for (const std::string& layer : layers) {
      struct stat st;
      if (::lstat((layer + prefix).c_str(), &st) == 0 && S_ISLNK(st.st_mode)) return true;
    }
  }
  return false;
}

const Value* FindNamed(const Value& list, const char* key, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const Value& v : list) {
    if (Str(v, key) == name) return &v;
  }
  return nullptr;
}

}  // namespace

Result<std::vector<sandbox::SandboxSpec::Bind>> PrepareContainerBinds(
    const Value& td, const Value& container, const std::string& task_volumes_dir,
    const std::string& shared_volumes_dir, uid_t root_id, const std::vector<std::string>& layers) {
  const Value volumes = td.value("volumes", Value::array());
  const Value containers = td.value("containerDefinitions", Value::array());
  // (mountPoint, forced read-only) of this container, then of the containers it takes from.
  std::vector<std::pair<Value, bool>> points;
  for (const Value& m : container.value("mountPoints", Value::array()))
    points.push_back({m, false});
  for (const Value& from : container.value("volumesFrom", Value::array())) {
    std::string source = Str(from, "sourceContainer");
    const Value* other = FindNamed(containers, "name", source);
    if (other == nullptr) return Refuse("volumesFrom: no container named " + source);
    for (const Value& m : other->value("mountPoints", Value::array())) {
      points.push_back({m, Bool(from, "readOnly")});
    }
  }
  std::vector<sandbox::SandboxSpec::Bind> binds;
  for (const auto& [m, forced_read_only] : points) {
    std::string name = Str(m, "sourceVolume"), target = Str(m, "containerPath");
    const Value* volume = FindNamed(volumes, "name", name);
    if (volume == nullptr) return Refuse("mountPoints: no volume named " + name);
    if (target.empty() || target[0] != '/' || target == "/" || target.rfind("/proc", 0) == 0 ||
        target.rfind("/dev", 0) == 0 || target.find("/../") != std::string::npos ||
        target.find("/./") != std::string::npos) {
      return Refuse("mountPoints: invalid containerPath " + target);
    }
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    if (ThroughSymlink(layers, target)) {
      return Refuse("mountPoints: containerPath " + target +
                    " goes through a symlink of the image");
    }
    std::string host;
    if (const Value* h = Member(*volume, "host"); h && !Str(*h, "sourcePath").empty()) {
      host = Str(*h, "sourcePath");
      if (host[0] != '/' || !IsDir(host)) {
        return Refuse("volume " + name + ": host path " + host + " is not a directory");
      }
    } else {
      const Value* docker = Member(*volume, "dockerVolumeConfiguration");
      std::string driver = docker ? Str(*docker, "driver", "local") : "local";
      if (driver != "local") {
        return Refuse("volume " + name + ": nimbus has only Docker's local volume driver, not " +
                      driver);
      }
      bool shared = docker && Str(*docker, "scope", "task") == "shared";
      host = (shared ? shared_volumes_dir : task_volumes_dir) + "/" + name;
      if (shared && !IsDir(host) && !Bool(*docker, "autoprovision")) {
        return Refuse("volume " + name + ": no shared Docker volume named " + name +
                      " exists and autoprovision is false");
      }
      std::error_code ec;
      if (!IsDir(host)) {
        std::filesystem::create_directories(host, ec);
        if (ec || ::chown(host.c_str(), root_id, root_id) != 0) {
          return Refuse("volume " + name + ": cannot make " + host);
        }
      }
    }
    binds.push_back({host, target, forced_read_only || Bool(m, "readOnly")});
  }
  return binds;
}

}  // namespace nimbus::ecs
