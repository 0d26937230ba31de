// Internal: SIGTERM self-pipe shared by install_sigterm_handler() and blocking waits.
#pragma once

namespace nimbus::lambda::internal {

// Read end of the SIGTERM self-pipe (readable once SIGTERM arrived), or -1 if not installed.
int shutdown_fd();

}  // namespace nimbus::lambda::internal
