// nimbus's session-manager-plugin: what the AWS CLI (v1 and v2) starts for `aws ecs
// execute-command` (and `aws ssm start-session`), as AWS's Go plugin does it, over nimbus's
// data channel client (stream_client.h). The nimbus binary runs it when called as
// `session-manager-plugin` (a link to it; the build makes one beside nimbus) or as
// `nimbus session-manager-plugin ARGS`.
//
// The CLI's contract: no arguments is the install check (a note on stderr, exit 0);
// `--version` prints the version; then `SESSION_JSON REGION StartSession PROFILE
// '{"Target":...}' ENDPOINT_URL` (SESSION_JSON may name an environment variable
// AWS_SSM_START_SESSION_RESPONSE... holding it, as newer CLIs pass it). It prints "Starting
// session with SessionId: X", relays the terminal, resumes a dropped connection through SSM
// ResumeSession at ENDPOINT_URL, and at channel_closed prints "Exiting session with sessionId:
// X." (or "SessionId: X : <Output>") and exits 0, whatever the command's exit status (as
// AWS's plugin does: `aws ecs execute-command` does not pass it on). A session it could not
// run is ended with SSM TerminateSession and exits 1 after "Cannot perform start session: ...".
// Those SSM calls are signed with PROFILE's keys from the AWS CLI's files when the CLI passed a
// profile that has them, else with the AWS_* environment variables' (cli/profile_keys.h).
#pragma once

#include <string>
#include <vector>

namespace nimbus::ecs::exec {

// Runs the plugin with the arguments after the program name; returns the exit status.
int RunSessionManagerPlugin(const std::vector<std::string>& args);

// The version the plugin reports (`--version`, and ClientVersion in the data channel).
inline constexpr char kPluginVersion[] = "1.2.0.0-nimbus";

}  // namespace nimbus::ecs::exec
