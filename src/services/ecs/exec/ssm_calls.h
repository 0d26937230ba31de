// The SSM calls an ECS Exec client makes besides the stream (as AWS's session-manager-plugin
// makes them): ResumeSession for a dropped connection, TerminateSession when giving up.
// Blocking (cli/api_client.h).
#pragma once

#include <optional>
#include <string>

#include "services/ecs/cli/api_client.h"

namespace nimbus::ecs::exec {

// ResumeSession's answer for session `id`.
struct Resumed {
  bool ended = false;                // the session has ended: nothing to resume
  std::optional<std::string> token;  // the new token (nullopt: the call failed, or ended)
};
Resumed ResumeSession(const cli::ApiTarget& target, const std::string& id);

// TerminateSession for session `id`; best effort (the session may be gone already).
void TerminateSession(const cli::ApiTarget& target, const std::string& id);

}  // namespace nimbus::ecs::exec
