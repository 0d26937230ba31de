// Internal to the sandbox module: the sandbox's init program (src/sandbox/init), embedded in
// nimbus at build time.
#pragma once

#include "core/status.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

// A sealed, close-on-exec memfd holding the init program, for execveat(fd, "", argv, envp,
// AT_EMPTY_PATH). Nothing on disk. Fails when memfds are unavailable or not executable
// (vm.memfd_noexec=2).
Result<UniqueFd> LoadInitProgram();

}  // namespace nimbus::sandbox
