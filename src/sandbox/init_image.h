// Internal to the sandbox module: the sandbox's init program (src/sandbox/init), embedded in
// nimbus at build time.
#pragma once

#include <string>

#include "core/status.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

// A close-on-exec descriptor of the init program, for execveat(fd, "", argv, envp,
// AT_EMPTY_PATH). Preferably a sealed memfd (nothing on disk). When memfds cannot be executable
// (vm.memfd_noexec=2) and `fallback_dir` is not empty: a read-only copy written afresh to
// `fallback_dir`/init (a directory private to this user, on a mount without noexec; temporary
// files of dead processes there are removed), the descriptor open read-only (no writer left, so
// no ETXTBSY). Fails, naming both attempts, when neither works (e.g. `fallback_dir` is noexec).
Result<UniqueFd> LoadInitProgram(const std::string& fallback_dir);

}  // namespace nimbus::sandbox
