// The Session Manager data channel of one ECS Exec session (reference section K), served on an
// upgraded WebSocket: the client's open frame with the session's token, then binary messages
// (protocol/ssm_message.h) both ways. nimbus plays the SSM agent: handshake request, response
// and complete; the command started in the container on a pty (sized by the client's Size
// messages) once the handshake completed; the pty's output as numbered output_stream_data
// messages, resent until the client acknowledges them; the client's numbered input (keystrokes,
// sizes, the TerminateSession flag) acknowledged, put in order and handed to the pty; when the
// command has exited and its output is acknowledged, channel_closed (with the exit code in an
// extra "ExitCode" member, for nimbus's own client) and the closing handshake. A session that
// sees no traffic for the idle timeout ends (its command is killed). The session outlives its
// connection: when the client goes away the command keeps running (its output held back once
// too much is unacknowledged) and a connection with a token from SSM ResumeSession takes the
// stream over, getting what was not acknowledged again; a session whose client stays away for
// the reattach window (the idle timeout, at most 2 minutes) ends. TerminateSession reaches it
// through ExecSessions.
#pragma once

#include <memory>
#include <string>

#include "core/http_upgrade.h"
#include "services/ecs/exec/exec_sessions.h"
#include "services/ecs/runtime/task_runtime.h"

namespace nimbus::ecs::exec {

// One connection to a session's streamUrl. Runs on the connection's event loop.
class DataChannelSession : public HttpUpgrade {
 public:
  DataChannelSession(std::shared_ptr<ExecSessions> sessions, std::shared_ptr<TaskRuntime> runtime,
                     std::string session_id)
      : sessions_(std::move(sessions)),
        runtime_(std::move(runtime)),
        session_id_(std::move(session_id)) {}

  boost::asio::awaitable<void> Run(UpgradedStream& stream) override;

 private:
  std::shared_ptr<ExecSessions> sessions_;
  std::shared_ptr<TaskRuntime> runtime_;
  std::string session_id_;
};

}  // namespace nimbus::ecs::exec
