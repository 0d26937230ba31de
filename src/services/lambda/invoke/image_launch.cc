#include "services/lambda/invoke/image_launch.h"

#include <sys/stat.h>

#include <cctype>

namespace nimbus::lambda {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// "/dir/name" for the first PATH directory where some layer (top first) has `name`; `name`
// itself when none has. A whiteout (overlayfs's character device) in an upper layer hides the
// file of the layers below it; opaque directories are not looked at.
std::string FindOnPath(const std::string& name, const std::string& path,
                       const std::vector<std::string>& layers) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    start = end + 1;
    if (dir.empty() || dir[0] != '/') continue;
    for (auto layer = layers.rbegin(); layer != layers.rend(); ++layer) {
      struct stat st;
      if (::lstat((*layer + dir + "/" + name).c_str(), &st) != 0) continue;
      if (S_ISCHR(st.st_mode)) break;  // deleted by this layer
      return dir + "/" + name;
    }
  }
  return name;
}

std::string List(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
  return out + "]";
}

}  // namespace

Result<ImageLaunch> PrepareImageLaunch(FunctionImageSource& images, const FunctionSnapshot& fn,
                                       uid_t id_offset) {
  auto root = images.Prepare(fn.account_id, fn.region, fn.image_uri, id_offset);
  if (!root.ok()) return root.error();
  ImageLaunch l;
  l.root.layers = std::move(root->layers);
  l.root.read_only = true;
  for (const std::string& kv : root->env) {
    size_t eq = kv.find('=');
    if (eq != std::string::npos && eq > 0) l.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  l.entrypoint = fn.image_entrypoint.empty() ? root->entrypoint : fn.image_entrypoint;
  if (!fn.image_command.empty()) {
    l.cmd = fn.image_command;
  } else if (fn.image_entrypoint.empty()) {
    l.cmd = root->cmd;
  }
  l.working_dir = !fn.image_working_dir.empty() ? fn.image_working_dir
                  : !root->working_dir.empty()  ? root->working_dir
                                                : "/";
  if (!l.cmd.empty()) l.handler = l.cmd[0];
  l.argv = l.entrypoint;
  l.argv.insert(l.argv.end(), l.cmd.begin(), l.cmd.end());
  if (l.argv.empty() || l.argv[0].empty()) {
    return Status::FailedPrecondition(ImageLaunchError("execve : no command specified", l));
  }
  // Lambda runs an image of another architecture as the kernel would: exec fails.
  std::string arch = fn.architecture == "arm64" ? "arm64" : "amd64";
  if (!root->architecture.empty() && root->architecture != arch) {
    return Status::FailedPrecondition(
        ImageLaunchError("execve " + l.argv[0] + ": exec format error", l));
  }
  if (l.argv[0][0] != '/') {
    auto path = l.env.find("PATH");
    l.argv[0] =
        FindOnPath(l.argv[0], path != l.env.end() ? path->second : kDefaultPath, l.root.layers);
    // Lambda runs an image of another architecture as the kernel would: exec fails.
    std::string arch = fn.architecture == "arm64" ? "arm64" : "amd64";
    if (!root->architecture.empty() && root->architecture != arch) {
      return Status::FailedPrecondition(
          ImageLaunchError("execve " + l.argv[0] + ": exec format error", l));
    }
    if (l.argv[0][0] != '/') {
      return Status::FailedPrecondition(
          ImageLaunchError("execve " + l.argv[0] + ": executable file not found in $PATH", l));
    }
  }
  return l;
}

std::string ImageLaunchError(const std::string& exec_error, const ImageLaunch& launch) {
  // The sandbox says "execve <path>: <strerror>"; Go, which AWS's init is written in, says
  // "fork/exec <path>: <lower-case errno text>".
  std::string what = exec_error;
  if (what.starts_with("execve ")) what = what.substr(7);
  size_t colon = what.rfind(": ");
  if (colon != std::string::npos && colon + 2 < what.size()) {
    what[colon + 2] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[colon + 2])));
  }
  return "Launch error: fork/exec " + what + " Entrypoint: " + List(launch.entrypoint) +
         " Cmd: " + List(launch.cmd) + " WorkingDir: [" + launch.working_dir + "]";
}

}  // namespace nimbus::lambda
