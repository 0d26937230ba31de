// The init program's bytes (NIMBUS_SANDBOX_INIT_PATH, set by CMakeLists.txt) and its memfd.
#include "sandbox/init_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

asm(".pushsection .rodata\n"
    ".balign 16\n"
    "nimbus_sandbox_init_image:\n"
    ".incbin \"" NIMBUS_SANDBOX_INIT_PATH
    "\"\n"
    "nimbus_sandbox_init_image_end:\n"
    ".popsection\n");
extern "C" const char nimbus_sandbox_init_image[];
extern "C" const char nimbus_sandbox_init_image_end[];

namespace nimbus::sandbox {

Result<UniqueFd> LoadInitProgram() {
  constexpr unsigned kMfdExec = 0x10;  // MFD_EXEC (6.3+): executable even under memfd_noexec=1
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  UniqueFd fd(::memfd_create("nimbus-sandbox-init", flags | kMfdExec));
  if (!fd.valid() && errno == EINVAL) fd.reset(::memfd_create("nimbus-sandbox-init", flags));
  if (!fd.valid()) return ErrnoStatus("memfd_create", errno);
  const char* p = nimbus_sandbox_init_image;
  size_t left = static_cast<size_t>(nimbus_sandbox_init_image_end - nimbus_sandbox_init_image);
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("write init program", n < 0 ? errno : EIO);
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) !=
      0) {
    return ErrnoStatus("seal init program", errno);
  }
  return fd;
}

}  // namespace nimbus::sandbox
