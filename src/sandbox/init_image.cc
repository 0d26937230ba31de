// The init program's bytes (NIMBUS_SANDBOX_INIT_PATH, set by CMakeLists.txt) and its descriptor:
// a memfd, or a file in the fallback directory.
#include "sandbox/init_image.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <string_view>

// Global (hidden) symbols: with link-time optimization this asm and its readers may land in
// different partitions.
asm(".pushsection .rodata\n"
    ".balign 16\n"
    ".globl nimbus_sandbox_init_image\n"
    ".hidden nimbus_sandbox_init_image\n"
    ".globl nimbus_sandbox_init_image_end\n"
    ".hidden nimbus_sandbox_init_image_end\n"
    "nimbus_sandbox_init_image:\n"
    ".incbin \"" NIMBUS_SANDBOX_INIT_PATH
    "\"\n"
    "nimbus_sandbox_init_image_end:\n"
    ".popsection\n");
extern "C" const char nimbus_sandbox_init_image[];
extern "C" const char nimbus_sandbox_init_image_end[];

namespace nimbus::sandbox {
namespace {

Status WriteImage(int fd) {
  const char* p = nimbus_sandbox_init_image;
  size_t left = static_cast<size_t>(nimbus_sandbox_init_image_end - nimbus_sandbox_init_image);
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("write init program", n < 0 ? errno : EIO);
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<UniqueFd> LoadIntoMemfd() {
  constexpr unsigned kMfdExec = 0x10;  // MFD_EXEC (6.3+): executable even under memfd_noexec=1
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  UniqueFd fd(::memfd_create("nimbus-sandbox-init", flags | kMfdExec));
  if (!fd.valid() && errno == EINVAL) fd.reset(::memfd_create("nimbus-sandbox-init", flags));
  if (!fd.valid()) return ErrnoStatus("memfd_create", errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat memfd", errno);
  if ((st.st_mode & S_IXUSR) == 0) return Status::PermissionDenied("memfd is not executable");
  NIMBUS_RETURN_IF_ERROR(WriteImage(fd.get()));
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) !=
      0) {
    return ErrnoStatus("seal init program", errno);
  }
  return fd;
}

// Temporary files are "init.<pid>.<n>.tmp"; removes those of processes that are gone (a crash
// between creating one and renaming it to "init").
void RemoveStaleTemporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (!n.starts_with("init.") || !n.ends_with(".tmp")) continue;
    n.remove_prefix(5);
    int owner = NameOwnerPid(n, '.');
    if (owner == 0 || !ProcessGone(owner)) continue;
    ::unlinkat(::dirfd(d), e->d_name, 0);
  }
  ::closedir(d);
}

Result<UniqueFd> LoadIntoFile(const std::string& dir) {
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0) return ErrnoStatus("statvfs " + dir, errno);
  if (vfs.f_flag & ST_NOEXEC) {
    return Status::FailedPrecondition(dir + " is on a noexec mount, where programs cannot run");
  }
  RemoveStaleTemporaries(dir);
  static std::atomic<unsigned> sequence{0};
  std::string tmp = dir + "/init." + std::to_string(::getpid()) + "." +
                    std::to_string(sequence.fetch_add(1)) + ".tmp";
  ::unlink(tmp.c_str());  // left by a dead process that had our pid
  UniqueFd w(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!w.valid()) return ErrnoStatus("create " + tmp, errno);
  auto fail = [&](Status st) -> Result<UniqueFd> {
    ::unlink(tmp.c_str());
    return st;
  };
  Status written = WriteImage(w.get());
  if (!written.ok()) return fail(written);
  if (::fchmod(w.get(), 0500) != 0) return fail(ErrnoStatus("fchmod " + tmp, errno));
  // Open the reader while the writer still pins the file, and check it is the same one (the
  // directory should be private; this makes sure nobody swapped the name meanwhile).
  UniqueFd r(::open(tmp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!r.valid()) return fail(ErrnoStatus("open " + tmp, errno));
  struct stat ws, rs;
  if (::fstat(w.get(), &ws) != 0 || ::fstat(r.get(), &rs) != 0 || ws.st_dev != rs.st_dev ||
      ws.st_ino != rs.st_ino) {
    return fail(Status::Internal(tmp + " was replaced while written"));
  }
  w.reset();  // exec refuses a file open for writing (ETXTBSY)
  std::string final_name = dir + "/init";
  if (::rename(tmp.c_str(), final_name.c_str()) != 0) {
    return fail(ErrnoStatus("rename " + tmp, errno));
  }
  return r;
}

}  // namespace

Result<UniqueFd> LoadInitProgram(const std::string& fallback_dir) {
  auto memfd = LoadIntoMemfd();
  if (memfd.ok() || fallback_dir.empty()) return memfd;
  auto file = LoadIntoFile(fallback_dir);
  if (file.ok()) return file;
  return Status(file.error().code(),
                "init program: " + memfd.error().message() +
                    " (vm.memfd_noexec=2?); fallback: " + file.error().message());
}

}  // namespace nimbus::sandbox
