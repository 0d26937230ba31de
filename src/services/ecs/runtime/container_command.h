// How a container's process is made from its image config and its container definition, as
// Docker makes it (moby daemon/commit.go merge; docs.docker.com "Understand how CMD and
// ENTRYPOINT interact"): the argv, the environment and the executable's path in the image.
// Pure, apart from ResolveExecutable's lstat calls in the layer directories.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "protocol/call.h"

namespace nimbus::ecs {

// The argv Docker runs. A definition's non-empty `entry_point` replaces the image's Entrypoint
// and drops the image's Cmd (only `command` follows it, possibly nothing); without one, the
// image's Entrypoint stays and `command` (when given and not empty) replaces the image's Cmd.
// An explicitly empty entry_point clears the image's Entrypoint.
std::vector<std::string> MergeCommand(const std::vector<std::string>& image_entrypoint,
                                      const std::vector<std::string>& image_cmd,
                                      const std::optional<std::vector<std::string>>& entry_point,
                                      const std::optional<std::vector<std::string>>& command);

// The environment: the image's Env, then `environment` ([{name, value}], a definition's and
// then its override's) replacing variables of the same name, then `extra` ("NAME=value", what
// the runtime sets). PATH gets Docker's default when nobody sets it. Order: first appearance.
std::vector<std::string> MergeEnvironment(const std::vector<std::string>& image_env,
                                          const std::vector<const Value*>& environment,
                                          const std::vector<std::string>& extra);

// The value of `name` in an environment list, "" when absent.
std::string EnvValue(const std::vector<std::string>& env, const std::string& name);

// The absolute path `program` runs as inside an image made of `layers` (bottom first): an
// absolute path as is when present, else the first PATH entry (of `path`, ':'-separated) that
// has it, as the OCI runtime's exec does. NotFound with Docker's words ("exec: \"x\":
// executable file not found in $PATH") when none has it. An overlayfs whiteout (char device
// 0/0) in a higher layer hides a file of a lower one.
Result<std::string> ResolveExecutable(const std::vector<std::string>& layers,
                                      const std::string& program, const std::string& path,
                                      const std::string& working_dir);

}  // namespace nimbus::ecs
