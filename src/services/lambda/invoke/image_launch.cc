#include "services/lambda/invoke/image_launch.h"

#include <cctype>
#include <optional>

#include "image/image_command.h"

namespace nimbus::lambda {
namespace {

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
  auto given = [](const std::vector<std::string>& v) {
    return v.empty() ? std::nullopt : std::optional<std::vector<std::string>>(v);
  };
  image::Command merged = image::MergeCommand(root->entrypoint, root->cmd,
                                              given(fn.image_entrypoint), given(fn.image_command));
  l.argv = merged.argv();
  l.entrypoint = std::move(merged.entrypoint);
  l.cmd = std::move(merged.cmd);
  l.working_dir = !fn.image_working_dir.empty() ? fn.image_working_dir
                  : !root->working_dir.empty()  ? root->working_dir
                                                : "/";
  if (!l.cmd.empty()) l.handler = l.cmd[0];
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
    auto exe = image::ResolveExecutable(l.root.layers, l.argv[0],
                                        path != l.env.end() ? path->second : image::kDefaultPath,
                                        l.working_dir);
    if (!exe.ok()) {
      return Status::FailedPrecondition(
          ImageLaunchError("execve " + l.argv[0] + ": executable file not found in $PATH", l));
    }
    l.argv[0] = *exe;
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
