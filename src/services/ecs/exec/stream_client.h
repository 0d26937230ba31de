// The client end of a Session Manager data channel (reference section K), one copy for
// `nimbus ecs exec` and nimbus's session-manager-plugin: opens the session's streamUrl, sends
// the open frame with the token, answers the handshake, then relays the terminal: stdin in raw
// mode when it is a terminal (restored at the end), its size at the start and on SIGWINCH,
// stdin as input (the end of a stdin that is not a terminal is sent as ^D, so a shell reading
// it ends), the output on stdout, acknowledgements both ways and resends of what the agent has
// not acknowledged. A connection lost before channel_closed is resumed with a new token when
// the caller can get one (SSM ResumeSession): the same stream reattached, unacknowledged
// messages resent both ways. Blocking, single-threaded; blocks SIGWINCH for the thread.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/status.h"

namespace nimbus::ecs::exec {

// What StartSession / ExecuteCommand answered.
struct StreamSession {
  std::string session_id;
  std::string stream_url;  // ws://host:port/v1/data-channel/<id>?...
  std::string token;
};

struct StreamClientOptions {
  std::string client_version = "nimbus";
  // Called when the connection drops before channel_closed: a new token for the session, or
  // nullopt to give up. Unset: give up at once.
  std::function<std::optional<std::string>()> resume;
};

// How the session ended.
struct StreamEnd {
  bool closed = false;           // channel_closed arrived (else the connection was lost)
  std::optional<int> exit_code;  // channel_closed's ExitCode (nimbus's extension), if any
  std::string output;            // channel_closed's Output ("" when the command just ended)
};

// Runs the session to its end. Unavailable (naming the URL) when the WebSocket cannot be
// opened at all; a connection lost later is a StreamEnd with closed false.
Result<StreamEnd> RunStreamClient(const StreamSession& session, const StreamClientOptions& options);

}  // namespace nimbus::ecs::exec
