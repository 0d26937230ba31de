// ExtractZip and RemoveTree: writes go through directory file descriptors opened with
// O_NOFOLLOW, so no entry can write through a symlink, whatever the archive contains.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "services/lambda/control/code_store.h"
#include "services/lambda/control/zip_reader.h"
#include "store/fs.h"

namespace nimbus::lambda {
namespace {

constexpr size_t kMaxDepth = 128;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

// Opens (creating when missing) the directory `name` under `parent` without following links.
Result<Fd> OpenDir(int parent, const std::string& name) {
  if (::mkdirat(parent, name.c_str(), 0755) != 0 && errno != EEXIST) {
    return store::ErrnoStatus("mkdir", name);
  }
  Fd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    return Status::InvalidArgument("entry path goes through a symlink or a file: " + name);
  }
  return fd;
}

// True when `target`, read relative to the directory `dir_parts`, stays inside the root.
bool LinkStaysInside(const std::vector<std::string>& dir_parts, const std::string& target) {
  if (target.empty() || target[0] == '/' || target.find('\0') != std::string::npos) return false;
  size_t depth = dir_parts.size();
  for (const std::string& part : Split(target)) {
    if (part == "..") {
      if (depth == 0) return false;
      --depth;
    } else if (part != ".") {
      ++depth;
    }
  }
  return true;
}

Status WriteEntry(int root, const ZipReader& zip, const ZipEntry& e,
                  std::vector<std::string>* links) {
  auto rel = SafeRelativePath(e.name);
  if (!rel.ok()) return rel.error();
  std::vector<std::string> parts = Split(*rel);
  if (parts.size() > kMaxDepth) return Status::InvalidArgument("path too deep: " + *rel);
  size_t dirs = e.is_directory() ? parts.size() : parts.size() - 1;
  Fd dir(::dup(root));
  for (size_t i = 0; i < dirs; ++i) {
    auto next = OpenDir(dir.get(), parts[i]);
    if (!next.ok()) return next.error();
    dir = std::move(*next);
  }
  if (e.is_directory()) return Status::Ok();
  auto data = zip.Read(e);
  if (!data.ok()) return Status::InvalidArgument(data.error().message());
  const std::string& leaf = parts.back();
  ::unlinkat(dir.get(), leaf.c_str(), 0);  // a later duplicate entry replaces a file
  if (e.is_symlink()) {
    std::vector<std::string> dir_parts(parts.begin(), parts.end() - 1);
    if (!LinkStaysInside(dir_parts, *data)) {
      return Status::InvalidArgument("symlink " + *rel + " points outside the package");
    }
    if (::symlinkat(data->c_str(), dir.get(), leaf.c_str()) != 0) {
      return store::ErrnoStatus("symlink", *rel);
    }
    links->push_back(*rel);
    return Status::Ok();
  }
  Fd out(::openat(dir.get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600));
  if (out.get() < 0)
    return Status::InvalidArgument("cannot create " + *rel + ": " + strerror(errno));
  NIMBUS_RETURN_IF_ERROR(store::WriteAll(out.get(), *data, *rel));
  if (::fchmod(out.get(), e.is_executable() ? 0555 : 0444) != 0) {
    return store::ErrnoStatus("chmod", *rel);
  }
  return Status::Ok();
}

// Calls fn(fd) on every directory of the tree at `fd` (children first when post_order).
void WalkDirs(int fd, int depth, bool post_order, void (*fn)(int)) {
  if (!post_order) fn(fd);
  if (depth < static_cast<int>(kMaxDepth) + 2) {
    int copy = ::dup(fd);
    DIR* d = copy >= 0 ? ::fdopendir(copy) : nullptr;
    if (d == nullptr && copy >= 0) ::close(copy);
    if (d != nullptr) ::rewinddir(d);  // the dup shares its position with earlier walks
    while (d != nullptr) {
      dirent* ent = ::readdir(d);
      if (ent == nullptr) break;
      if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
      Fd child(::openat(fd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.get() >= 0) WalkDirs(child.get(), depth + 1, post_order, fn);
      if (post_order) {
        if (::unlinkat(fd, ent->d_name, 0) != 0) ::unlinkat(fd, ent->d_name, AT_REMOVEDIR);
      }
    }
    if (d != nullptr) ::closedir(d);
  }
  if (post_order) fn(fd);
}

}  // namespace

void RemoveTree(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    ::unlink(path.c_str());
    return;
  }
  // Make every directory writable first (pre-order), then delete bottom-up.
  WalkDirs(fd.get(), 0, false, [](int d) { ::fchmod(d, 0700); });
  WalkDirs(fd.get(), 0, true, [](int) {});
  ::rmdir(path.c_str());
}

Status ExtractZip(std::string_view zip_bytes, const std::string& dest, uint64_t max_unzipped) {
  auto zip = ZipReader::Open(zip_bytes);
  if (!zip.ok()) return Status::InvalidArgument(zip.error().message());
  if (zip->total_uncompressed() > max_unzipped) {
    return Status::ResourceExhausted("unzipped size " + std::to_string(zip->total_uncompressed()));
  }
  if (::mkdir(dest.c_str(), 0700) != 0) return store::ErrnoStatus("mkdir", dest);
  Status st;
  std::vector<std::string> links;
  {
    Fd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (root.get() < 0) st = store::ErrnoStatus("open", dest);
    for (const ZipEntry& e : zip->entries()) {
      if (!st.ok()) break;
      st = WriteEntry(root.get(), *zip, e, &links);
    }
    // Links may chain through other links: check where each really resolves.
    char resolved[PATH_MAX];
    char root_real[PATH_MAX];
    if (st.ok() && ::realpath(dest.c_str(), root_real) == nullptr) {
      st = store::ErrnoStatus("realpath", dest);
    }
    for (const std::string& link : links) {
      if (!st.ok()) break;
      std::string full = dest + "/" + link;
      if (::realpath(full.c_str(), resolved) == nullptr) continue;  // dangling: checked lexically
      std::string r(resolved), base(root_real);
      if (r != base && !r.starts_with(base + "/")) {
        st = Status::InvalidArgument("symlink " + link + " points outside the package");
      }
    }
    if (st.ok()) WalkDirs(root.get(), 0, false, [](int d) { ::fchmod(d, 0555); });
  }
  if (!st.ok()) RemoveTree(dest);
  return st;
}

}  // namespace nimbus::lambda
