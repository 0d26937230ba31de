#include "store/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "store/fs.h"

namespace nimbus::store {
namespace {

// Removes temp files whose writer process is gone ("<pid>-<n>.tmp"; anything else is junk).
void CleanTemp(const std::string& tmp_dir) {
  DIR* dir = ::opendir(tmp_dir.c_str());
  if (dir == nullptr) return;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    long pid = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    bool alive = ec == std::errc() && ptr != name.data() + name.size() && *ptr == '-' && pid > 0 &&
                 (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (!alive) ::unlink((tmp_dir + "/" + std::string(name)).c_str());
  }
  ::closedir(dir);
}

}  // namespace

Result<std::unique_ptr<BlobStore>> BlobStore::Open(const std::string& data_dir) {
  NIMBUS_RETURN_IF_ERROR(MakeDirs(data_dir));
  std::string root = data_dir + "/blobs";
  NIMBUS_RETURN_IF_ERROR(MakeDirs(root + "/sha256"));
  NIMBUS_RETURN_IF_ERROR(MakeDirs(root + "/sha512"));
  NIMBUS_RETURN_IF_ERROR(MakeDirs(root + "/tmp"));
  NIMBUS_RETURN_IF_ERROR(MakeDirs(root + "/uploads"));
  CleanTemp(root + "/tmp");
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(root)));
}

Result<BlobStore::Name> BlobStore::NameOf(std::string_view digest) {
  Name name;
  std::string_view hex = digest;
  size_t length = 64;
  if (hex.starts_with("sha256:")) {
    hex.remove_prefix(7);
  } else if (hex.starts_with("sha512:")) {
    hex.remove_prefix(7);
    name.algorithm = DigestAlgorithm::kSha512;
    length = 128;
  }
  bool ok = hex.size() == length;
  for (char c : hex) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) return Status::InvalidArgument("invalid digest: " + std::string(digest));
  name.hex = std::string(hex);
  return name;
}

std::string BlobStore::PathOf(const Name& name) const {
  return root_ + "/" + name.prefix() + "/" + name.hex.substr(0, 2) + "/" + name.hex;
}

Status BlobStore::Install(int fd, const std::string& path, const Name& name) const {
  std::string top = root_ + "/" + name.prefix();
  std::string dir = top + "/" + name.hex.substr(0, 2);
  std::string dest = dir + "/" + name.hex;
  if (::access(dest.c_str(), F_OK) == 0) {
    // Already stored: drop the copy; the directory sync covers a commit of it still in flight.
    ::unlink(path.c_str());
    return SyncDir(dir);
  }
  if (::fsync(fd) != 0) return ErrnoStatus("fsync", path);
  if (::mkdir(dir.c_str(), 0700) == 0) {
    NIMBUS_RETURN_IF_ERROR(SyncDir(top));
  } else if (errno != EEXIST) {
    return ErrnoStatus("mkdir", dir);
  }
  if (::rename(path.c_str(), dest.c_str()) != 0) return ErrnoStatus("rename to", dest);
  return SyncDir(dir);
}

Result<std::unique_ptr<BlobWriter>> BlobStore::NewWriter() {
  std::string path = root_ + "/tmp/" + std::to_string(::getpid()) + "-" +
                     std::to_string(next_tmp_.fetch_add(1)) + ".tmp";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create", path);
  return std::unique_ptr<BlobWriter>(new BlobWriter(*this, std::move(path), fd, ""));
}

Result<std::string> BlobStore::Put(std::string_view data, std::string_view expected_digest) {
  auto w = NewWriter();
  if (!w.ok()) return w.take_error();
  NIMBUS_RETURN_IF_ERROR((*w)->Append(data));
  return (*w)->Commit(expected_digest);
}

bool BlobStore::Has(std::string_view digest) const { return Size(digest).ok(); }

Result<uint64_t> BlobStore::Size(std::string_view digest) const {
  auto path = Path(digest);
  if (!path.ok()) return path.take_error();
  struct stat st;
  if (::stat(path->c_str(), &st) != 0) return Status::NotFound("blob " + std::string(digest));
  return static_cast<uint64_t>(st.st_size);
}

Result<std::string> BlobStore::Path(std::string_view digest) const {
  auto name = NameOf(digest);
  if (!name.ok()) return name.take_error();
  std::string path = PathOf(*name);
  if (::access(path.c_str(), F_OK) != 0) return Status::NotFound("blob " + std::string(digest));
  return path;
}

Result<std::string> BlobStore::Read(std::string_view digest, bool verify) const {
  auto path = Path(digest);
  if (!path.ok()) return path.take_error();
  int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", *path);
  std::string out;
  Status st = ReadChunks(fd, *path, [&out](std::string_view piece) { out.append(piece); });
  ::close(fd);
  if (!st.ok()) return st;
  auto name = NameOf(digest);  // valid: Path() accepted it
  if (verify && Hasher::Hex(out, name->algorithm) != name->hex) {
    return Status::Corruption("blob " + *path + " is corrupt");
  }
  return out;
}

Status BlobStore::Remove(std::string_view digest) {
  auto path = Path(digest);
  if (!path.ok()) return path.error();
  if (::unlink(path->c_str()) != 0) {
    return errno == ENOENT ? Status::NotFound("blob " + std::string(digest))
                           : ErrnoStatus("unlink", *path);
  }
  return SyncDir(path->substr(0, path->find_last_of('/')));
}

}  // namespace nimbus::store
