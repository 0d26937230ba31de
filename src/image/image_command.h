// How an image's ENTRYPOINT and CMD become the program a sandbox runs, as Docker makes it (moby
// daemon/commit.go merge; docs.docker.com "Understand how CMD and ENTRYPOINT interact"), and
// where that program is in the image's layers. Used by ECS containers and Lambda image
// functions alike. Pure, apart from ResolveExecutable's lstat calls in the layer directories.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace nimbus::image {

// Docker's PATH when neither the image nor the caller sets one.
inline constexpr char kDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// An entry point and its arguments, as merged.
struct Command {
  std::vector<std::string> entrypoint, cmd;
  // entrypoint followed by cmd.
  std::vector<std::string> argv() const;
};

// A non-empty `entry_point` replaces the image's Entrypoint and drops the image's Cmd (only
// `command` follows it, possibly nothing); without one, the image's Entrypoint stays and
// `command` (when given and not empty) replaces the image's Cmd. An explicitly empty
// entry_point clears the image's Entrypoint.
Command MergeCommand(const std::vector<std::string>& image_entrypoint,
                     const std::vector<std::string>& image_cmd,
                     const std::optional<std::vector<std::string>>& entry_point,
                     const std::optional<std::vector<std::string>>& command);

// The absolute path `program` runs as inside an image made of `layers` (bottom first): an
// absolute path as is when present, a relative one with a '/' under `working_dir`, else the
// first PATH entry (of `path`, ':'-separated) that has it, as the OCI runtime's exec does.
// NotFound with Docker's words ("exec: \"x\": executable file not found in $PATH") when none
// has it. An overlayfs whiteout (char device 0/0) in a higher layer hides a file of a lower one.
// A path at or under a `mounts` target is looked up in that mount's host directory instead (the
// innermost mount wins), as the runtime's exec sees the container's bind mounts.
struct MountedDir {
  std::string host_dir, target;  // target: absolute, inside the container
};
Result<std::string> ResolveExecutable(const std::vector<std::string>& layers,
                                      const std::string& program, const std::string& path,
                                      const std::string& working_dir,
                                      const std::vector<MountedDir>& mounts = {});

}  // namespace nimbus::image
