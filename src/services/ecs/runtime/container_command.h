// A container's environment from its image config and its container definition, as Docker
// makes it (its argv and executable: image/image_command.h). Pure.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "protocol/call.h"

namespace nimbus::ecs {

// The environment: the image's Env, then `environment` ([{name, value}], a definition's and
// then its override's) replacing variables of the same name, then `extra` ("NAME=value", what
// the runtime sets). PATH gets Docker's default when nobody sets it. Order: first appearance.
std::vector<std::string> MergeEnvironment(const std::vector<std::string>& image_env,
                                          const std::vector<const Value*>& environment,
                                          const std::vector<std::string>& extra);

// The value of `name` in an environment list, "" when absent.
std::string EnvValue(const std::vector<std::string>& env, const std::string& name);

}  // namespace nimbus::ecs
