#include "image/layer_unpacker.h"

#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "image/layer_stream.h"
#include "image/tar_reader.h"
#include "sandbox/fd.h"

namespace nimbus::image {
namespace {

using sandbox::UniqueFd;

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";
constexpr uint64_t kMaxMappedId = 65535;  // the sandbox's user namespace maps 0-65535

Status Refuse(const std::string& path, const std::string& why) {
  return Status::Corruption("layer: entry \"" + path + "\": " + why);
}

Status Errno(const std::string& what, const std::string& path) {
  return Status::IoError("layer: " + what + " \"" + path + "\": " + std::strerror(errno));
}

// The components of an entry path, "." and empty ones dropped; ".." and absolute paths refused.
Result<std::vector<std::string>> Components(const std::string& path) {
  if (path.starts_with('/')) return Refuse(path, "absolute path");
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = std::min(path.find('/', start), path.size());
    std::string c = path.substr(start, slash - start);
    if (c == "..") return Refuse(path, "path escapes the layer (..)");
    if (c.find('\0') != std::string::npos) return Refuse(path, "NUL in path");
    if (!c.empty() && c != ".") out.push_back(std::move(c));
    start = slash + 1;
  }
  return out;
}

// File capabilities (security.capability, VFS_CAP_REVISION_2 or 3) for a user namespace
// shifted by `offset`: a v2 value (which the kernel grants only to the host's root) becomes v3
// with rootid `offset` (root inside the sandbox), a v3 one gets its rootid shifted, as the kernel
// itself converts a value written from inside a namespace. Anything else is kept as is.
std::string ShiftCapabilities(const std::string& value, uid_t offset) {
  if (offset == 0 || value.size() < 4) return value;
  uint32_t magic;
  std::memcpy(&magic, value.data(), 4);
  magic = le32toh(magic);
  uint32_t rootid = 0;
  if ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_2 && value.size() == XATTR_CAPS_SZ_2) {
    rootid = offset;
  } else if ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3 &&
             value.size() == XATTR_CAPS_SZ_3) {
    std::memcpy(&rootid, value.data() + XATTR_CAPS_SZ_2, 4);
    rootid = le32toh(rootid) + offset;
  } else {
    return value;
  }
  std::string out = value.substr(0, XATTR_CAPS_SZ_2);
  uint32_t v3 = htole32((magic & ~VFS_CAP_REVISION_MASK) | VFS_CAP_REVISION_3);
  std::memcpy(out.data(), &v3, 4);
  uint32_t le_root = htole32(rootid);
  out.append(reinterpret_cast<const char*>(&le_root), 4);
  return out;
}

class Unpacker {
 public:
  Unpacker(UniqueFd root, uid_t id_offset)
      : root_(std::move(root)), offset_(id_offset), chown_(id_offset > 0 || ::geteuid() == 0) {}

  Status Apply(TarReader& tar, const TarEntry& e) {
    auto comps = Components(e.path);
    if (!comps.ok()) return comps.error();
    if (comps->empty()) return Status::Ok();  // the layer root itself
    std::string name = comps->back();
    comps->pop_back();
    auto parent = Parent(*comps, e.path, /*create=*/true);
    if (!parent.ok()) return parent.error();
    int dir = *parent;
    if (name == kOpaque) return MarkOpaque(dir, e.path);
    if (name.starts_with(".wh..wh.")) return Status::Ok();
    if (name.starts_with(kWhiteout)) return Whiteout(dir, name.substr(kWhiteout.size()), e.path);
    uid_t uid = 0;
    gid_t gid = 0;
    if (Status st = HostIds(e, uid, gid); !st.ok()) return st;
    switch (e.type) {
      case TarEntry::Type::kChar:
      case TarEntry::Type::kBlock:
        return Status::Ok();  // as rootless Docker: no device nodes from images
      case TarEntry::Type::kDir:
        return Dir(dir, name, e, uid, gid);
      default:
        break;
    }
    if (Status st = RemoveExisting(dir, name, e.path); !st.ok()) return st;
    switch (e.type) {
      case TarEntry::Type::kFile:
        return File(tar, dir, name, e, uid, gid);
      case TarEntry::Type::kSymlink:
        if (::symlinkat(e.linkname.c_str(), dir, name.c_str()) != 0)
          return Errno("symlink", e.path);
        return Owner(dir, name, e, uid, gid, /*chmod=*/false);
      case TarEntry::Type::kHardLink:
        return HardLink(dir, name, e);
      case TarEntry::Type::kFifo:
        if (::mkfifoat(dir, name.c_str(), 0600) != 0) return Errno("mkfifo", e.path);
        return Owner(dir, name, e, uid, gid, /*chmod=*/true);
      default:
        return Refuse(e.path, "unsupported type");
    }
  }

 private:
  // An O_PATH fd of the directory `comps` names, created (root-owned, 0755) when missing and
  // `create`. Refuses symlinks and non-directories on the way. Cached for consecutive entries.
  Result<int> Parent(const std::vector<std::string>& comps, const std::string& path, bool create) {
    if (comps.empty()) return root_.get();
    if (cached_valid_ && comps == cached_path_) return cached_.get();
    UniqueFd cur;
    int at = root_.get();
    for (const auto& c : comps) {
      int fd = ::openat(at, c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && create) {
        if (::mkdirat(at, c.c_str(), 0755) != 0 && errno != EEXIST) return Errno("mkdir", path);
        if (chown_ && ::fchownat(at, c.c_str(), offset_, offset_, AT_SYMLINK_NOFOLLOW) != 0)
          return Errno("chown", path);
        if (::fchmodat(at, c.c_str(), 0755, 0) != 0) return Errno("chmod", path);
        fd = ::openat(at, c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd < 0) {
        struct stat st;
        if ((errno == ENOTDIR || errno == ELOOP) &&
            ::fstatat(at, c.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
          return Refuse(path, S_ISLNK(st.st_mode) ? "path goes through a symlink"
                                                  : "parent is not a directory");
        }
        if (errno == ENOENT) return Refuse(path, "no such directory in the layer");
        return Errno("open", path);
      }
      cur = UniqueFd(fd);
      at = fd;
    }
    cached_ = std::move(cur);
    cached_path_ = comps;
    cached_valid_ = true;
    return cached_.get();
  }

  Status HostIds(const TarEntry& e, uid_t& uid, gid_t& gid) {
    if (offset_ > 0 && (e.uid > kMaxMappedId || e.gid > kMaxMappedId)) {
      return Refuse(e.path, "container ID " + std::to_string(e.uid > kMaxMappedId ? e.uid : e.gid) +
                                " cannot be mapped to a host ID");
    }
    if (e.uid >= 0xffffffffu - offset_ || e.gid >= 0xffffffffu - offset_)
      return Refuse(e.path, "owner id out of range");
    uid = static_cast<uid_t>(e.uid + offset_);
    gid = static_cast<gid_t>(e.gid + offset_);
    return Status::Ok();
  }

  // Makes room for a new entry `name`: removes a non-directory or an empty directory.
  Status RemoveExisting(int dir, const std::string& name, const std::string& path) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return errno == ENOENT ? Status::Ok() : Errno("stat", path);
    }
    int flags = S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0;
    if (flags) cached_valid_ = false;  // the cached parent may be this directory
    if (::unlinkat(dir, name.c_str(), flags) != 0) {
      if (errno == ENOTEMPTY || errno == EEXIST)
        return Refuse(path, "replaces a non-empty directory");
      return Errno("remove", path);
    }
    return Status::Ok();
  }

  Status MarkOpaque(int dir, const std::string& path) {
    UniqueFd fd(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return Errno("open", path);
    if (::fsetxattr(fd.get(), "trusted.overlay.opaque", "y", 1, 0) != 0)
      return Errno("set trusted.overlay.opaque on", path);
    return Status::Ok();
  }

  Status Whiteout(int dir, const std::string& target, const std::string& path) {
    if (target.empty() || target == "." || target == "..") return Refuse(path, "bad whiteout");
    if (Status st = RemoveExisting(dir, target, path); !st.ok()) return st;
    if (::mknodat(dir, target.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0)
      return Errno("mknod whiteout", path);
    if (chown_ && ::fchownat(dir, target.c_str(), offset_, offset_, AT_SYMLINK_NOFOLLOW) != 0)
      return Errno("chown", path);
    return Status::Ok();
  }

  Status Dir(int dir, const std::string& name, const TarEntry& e, uid_t uid, gid_t gid) {
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
      if (Status s = RemoveExisting(dir, name, e.path); !s.ok()) return s;
    }
    if (::mkdirat(dir, name.c_str(), 0700) != 0 && errno != EEXIST) return Errno("mkdir", e.path);
    UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return Errno("open", e.path);
    cached_valid_ = false;  // a cached parent may have been replaced
    return Finish(fd.get(), e, uid, gid, /*times=*/false);
  }

  Status File(TarReader& tar, int dir, const std::string& name, const TarEntry& e, uid_t uid,
              gid_t gid) {
    UniqueFd fd(
        ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid()) return Errno("create", e.path);
    while (true) {
      auto n = tar.ReadData(buf_.data(), buf_.size());
      if (!n.ok()) return n.error();
      if (*n == 0) break;
      for (size_t off = 0; off < *n;) {
        ssize_t w = ::write(fd.get(), buf_.data() + off, *n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return Errno("write", e.path);
        off += static_cast<size_t>(w);
      }
    }
    return Finish(fd.get(), e, uid, gid, /*times=*/true);
  }

  // Owner, then mode (chown clears setuid), xattrs, mtime, on an open file or directory.
  Status Finish(int fd, const TarEntry& e, uid_t uid, gid_t gid, bool times) {
    if (chown_ && ::fchown(fd, uid, gid) != 0) return Errno("chown", e.path);
    if (::fchmod(fd, e.mode) != 0) return Errno("chmod", e.path);
    for (const auto& [key, value] : e.xattrs) {
      if (key == "security.capability") {
        std::string caps = ShiftCapabilities(value, offset_);
        (void)::fsetxattr(fd, key.c_str(), caps.data(), caps.size(), 0);  // best effort
      } else if (key.starts_with("user.")) {
        (void)::fsetxattr(fd, key.c_str(), value.data(), value.size(), 0);
      }
    }
    if (times) {
      struct timespec ts[2] = {{e.mtime, 0}, {e.mtime, 0}};
      (void)::futimens(fd, ts);
    }
    return Status::Ok();
  }

  // Owner (and mode) of a symlink or FIFO by name.
  Status Owner(int dir, const std::string& name, const TarEntry& e, uid_t uid, gid_t gid,
               bool chmod) {
    if (::fchownat(dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
      return Errno("chown", e.path);
    if (chmod && ::fchmodat(dir, name.c_str(), e.mode, 0) != 0) return Errno("chmod", e.path);
    struct timespec ts[2] = {{e.mtime, 0}, {e.mtime, 0}};
    (void)::utimensat(dir, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    return Status::Ok();
  }

  Status HardLink(int dir, const std::string& name, const TarEntry& e) {
    auto target = Components(e.linkname);
    if (!target.ok()) return Refuse(e.path, "hard link target " + target.error().message());
    if (target->empty()) return Refuse(e.path, "hard link to the layer root");
    std::string tname = target->back();
    target->pop_back();
    // Resolve the target's parent without the cache (it would replace `dir`'s).
    UniqueFd keep(::dup(dir));  // `dir` may be the cached fd, replaced below
    if (!keep.valid()) return Errno("dup", e.path);
    cached_valid_ = false;
    auto tdir = Parent(*target, e.path, /*create=*/false);
    if (!tdir.ok()) return tdir.error();
    struct stat st;
    if (::fstatat(*tdir, tname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Refuse(e.path, "hard link target \"" + e.linkname + "\" is not in the layer");
    if (S_ISDIR(st.st_mode)) return Refuse(e.path, "hard link to a directory");
    if (::linkat(*tdir, tname.c_str(), keep.get(), name.c_str(), 0) != 0)
      return Errno("link", e.path);
    cached_valid_ = false;
    return Status::Ok();
  }

  UniqueFd root_;
  uid_t offset_;
  bool chown_;  // false only unprivileged without a shift: files stay nimbus's (rootless)
  UniqueFd cached_;
  std::vector<std::string> cached_path_;
  bool cached_valid_ = false;
  std::vector<char> buf_ = std::vector<char>(128 * 1024);
};

}  // namespace

Result<UnpackResult> UnpackLayer(const std::string& blob_path, const std::string& dir,
                                 uid_t id_offset) {
  auto stream = LayerStream::Open(blob_path);
  if (!stream.ok()) return stream.error();
  UniqueFd root(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.valid()) return Errno("open", dir);
  LayerStream& in = **stream;
  TarReader tar([&in](char* buf, size_t n) { return in.Read(buf, n); });
  Unpacker unpacker(std::move(root), id_offset);
  UnpackResult out;
  while (true) {
    auto entry = tar.Next();
    if (!entry.ok()) return entry.error();
    if (!*entry) break;
    if (Status st = unpacker.Apply(tar, **entry); !st.ok()) return st;
    ++out.entries;
  }
  if (Status st = in.Drain(); !st.ok()) return st;  // the diff id covers the trailing blocks
  out.diff_id = in.DiffId();
  out.bytes = in.bytes_out();
  return out;
}

}  // namespace nimbus::image
