// `nimbus ecs exec`: nimbus's own ECS Exec client. Calls ExecuteCommand on a nimbus endpoint
// (signed with SigV4 from the usual AWS_* variables; default endpoint http://localhost:4566),
// opens the session's streamUrl and speaks the Session Manager data channel as
// session-manager-plugin does: the terminal in raw mode when stdin is one (restored at exit),
// its size sent at the start and on SIGWINCH, stdin as input (EOF of a stdin that is not a
// terminal is sent as ^D), the command's output on stdout; a dropped connection is resumed
// through SSM ResumeSession (exec/stream_client.h). Blocking, single-threaded.
#pragma once

#include <string>
#include <vector>

namespace nimbus::ecs::exec {

// Runs `nimbus ecs exec` with the arguments after "exec". Returns the process exit code: the
// command's exit code, 254 when ExecuteCommand failed (the AWS CLI's code for a service error),
// 255 for anything else (bad usage, the connection failed), each with a message on stderr.
int RunExecClient(const std::vector<std::string>& args);

// The `nimbus ecs ...` usage text.
std::string EcsCommandUsage();

}  // namespace nimbus::ecs::exec
