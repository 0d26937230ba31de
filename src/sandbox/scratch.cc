// ScratchPool: ext4-on-loop /tmp volumes, made ahead by a background thread.
#include "sandbox/scratch.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace nimbus::sandbox {
namespace {

constexpr uint64_t kMiB = 1 << 20;
// Templates are named "<prefix><size>m.img"; the version changes with their contents.
constexpr std::string_view kTemplateFamily = "template-ext4-";
constexpr std::string_view kTemplatePrefix = "template-ext4-v4-";
// EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_NOLOGFLUSH (linux/ext4.h is not always installed).
constexpr unsigned long kExt4Shutdown = _IOR('X', 125, uint32_t);
constexpr uint32_t kNoLogFlush = 0x2;
// Volumes holding more than this at the end are shut down rather than written back.
constexpr uint64_t kDiscardAboveBytes = 8 * kMiB;
// The new mount API (linux/mount.h clashes with sys/mount.h).
constexpr unsigned kFsopenCloexec = 0x1, kFsmountCloexec = 0x1;
constexpr unsigned kFsconfigSetFlag = 0, kFsconfigSetString = 1, kFsconfigCmdCreate = 6;
constexpr unsigned kMountAttrNosuid = 0x2, kMountAttrNodev = 0x4;

// Mounts the ext4 on `device` as a detached mount (nosuid, nodev); returns the mount fd.
Result<UniqueFd> MountDetached(const std::string& device) {
  UniqueFd fs(static_cast<int>(::syscall(SYS_fsopen, "ext4", kFsopenCloexec)));
  if (!fs.valid()) return ErrnoStatus("fsopen ext4", errno);
  if (::syscall(SYS_fsconfig, fs.get(), kFsconfigSetString, "source", device.c_str(), 0) != 0 ||
      ::syscall(SYS_fsconfig, fs.get(), kFsconfigSetFlag, "noinit_itable", nullptr, 0) != 0 ||
      ::syscall(SYS_fsconfig, fs.get(), kFsconfigCmdCreate, nullptr, nullptr, 0) != 0) {
    return ErrnoStatus("mount " + device, errno);
  }
  UniqueFd mnt(static_cast<int>(
      ::syscall(SYS_fsmount, fs.get(), kFsmountCloexec, kMountAttrNosuid | kMountAttrNodev)));
  if (!mnt.valid()) return ErrnoStatus("fsmount " + device, errno);
  return mnt;
}

// Image size for at least `size_mb` MiB of usable space: ext4 (one 256-byte inode per 16 KiB)
// keeps 1/64 for inode tables and holds back 2% (at most 16 MiB) for its own metadata, plus
// bitmaps, group descriptors and the root directory.
uint64_t ImageBytes(uint32_t size_mb) {
  uint64_t kib = uint64_t{size_mb} * 1024;
  return (kib + kib / 16 + 512) * 1024;
}

std::string FindMkfs() {
  for (const char* p : {"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4", "/usr/bin/mkfs.ext4"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

// Runs `argv` with output discarded; true when it exited 0 (or could not be waited for because
// SIGCHLD is ignored: the caller checks the result itself).
bool Run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  // Nothing else of nimbus's (Asio opens its sockets without close-on-exec).
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  int status = 0;
  pid_t w;
  while ((w = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (w < 0) return errno == ECHILD;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool HasExt4Magic(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  unsigned char magic[2] = {0, 0};
  return fd.valid() && ::pread(fd.get(), magic, 2, 1024 + 56) == 2 && magic[0] == 0x53 &&
         magic[1] == 0xEF;
}

// Copies the data extents of `from` into the new sparse file `to` (holes stay holes).
Status CopySparse(const std::string& from, int to) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return ErrnoStatus("open " + from, errno);
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return ErrnoStatus("stat " + from, errno);
  if (::ftruncate(to, st.st_size) != 0) return ErrnoStatus("truncate image", errno);
  off_t pos = 0;
  while (pos < st.st_size) {
    off_t data = ::lseek(in.get(), pos, SEEK_DATA);
    if (data < 0) break;  // ENXIO: only a hole is left
    off_t hole = ::lseek(in.get(), data, SEEK_HOLE);
    if (hole < 0) hole = st.st_size;
    off_t src = data, dst = data;
    while (src < hole) {
      ssize_t n = ::copy_file_range(in.get(), &src, to, &dst, static_cast<size_t>(hole - src), 0);
      if (n <= 0) return ErrnoStatus("copy image", n < 0 ? errno : EIO);
    }
    pos = hole;
  }
  return Status::Ok();
}

// Attaches `image` to a free loop device that clears itself once unused, with direct I/O (no
// second copy of the data in the page cache). Returns the open device.
Result<UniqueFd> AttachLoop(int image, std::string& device) {
  UniqueFd ctl(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!ctl.valid()) return ErrnoStatus("open /dev/loop-control", errno);
  for (int attempt = 0; attempt < 16; ++attempt) {
    int n = ::ioctl(ctl.get(), LOOP_CTL_GET_FREE);
    if (n < 0) return ErrnoStatus("LOOP_CTL_GET_FREE", errno);
    device = "/dev/loop" + std::to_string(n);
    UniqueFd dev(::open(device.c_str(), O_RDWR | O_CLOEXEC));
    if (!dev.valid() && errno == ENOENT) {  // no udev/devtmpfs node yet (containers)
      ::mknod(device.c_str(), S_IFBLK | 0660, makedev(7, static_cast<unsigned>(n)));
      dev.reset(::open(device.c_str(), O_RDWR | O_CLOEXEC));
    }
    if (!dev.valid()) return ErrnoStatus("open " + device, errno);
    loop_config cfg;
    std::memset(&cfg, 0, sizeof(cfg));
    cfg.fd = static_cast<uint32_t>(image);
    cfg.block_size = 4096;
    cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
    if (::ioctl(dev.get(), LOOP_CONFIGURE, &cfg) == 0) return dev;
    if (errno == EBUSY) continue;  // another process took it first
    if (errno != EINVAL && errno != ENOTTY) return ErrnoStatus("LOOP_CONFIGURE", errno);
    // Before Linux 5.8: LOOP_SET_FD, then the flags.
    if (::ioctl(dev.get(), LOOP_SET_FD, image) != 0) {
      if (errno == EBUSY) continue;
      return ErrnoStatus("LOOP_SET_FD", errno);
    }
    loop_info64 info;
    std::memset(&info, 0, sizeof(info));
    info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (::ioctl(dev.get(), LOOP_SET_STATUS64, &info) != 0) {
      int err = errno;
      ::ioctl(dev.get(), LOOP_CLR_FD, 0);
      return ErrnoStatus("LOOP_SET_STATUS64", err);
    }
    return dev;
  }
  return Status::Unavailable("no free loop device");
}

// Mounts `image` (`file`, open read-write) once to give its root the mode of /tmp and remove
// lost+found, so that volumes copied from it need no write before use.
Status PrepareRoot(int file) {
  std::string device;
  auto loop = AttachLoop(file, device);
  if (!loop.ok()) return loop.error();
  auto mnt = MountDetached(device);
  if (!mnt.ok()) return mnt.error();
  loop->reset();
  UniqueFd root(::openat(mnt->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid() || ::fchmod(root.get(), 01777) != 0) return ErrnoStatus("chmod root", errno);
  if (::unlinkat(root.get(), "lost+found", AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return ErrnoStatus("rmdir lost+found", errno);
  }
  return Status::Ok();  // closing the last descriptors unmounts (written back before close returns)
}

// Deletes what a (dead) owner left in `dir` (backing files not yet attached), and the dir.
void RemoveTree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") ::unlink((dir + "/" + name).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

}  // namespace

Result<std::unique_ptr<ScratchPool>> ScratchPool::Create(ScratchPoolOptions options) {
  if (::geteuid() != 0) return Status::Unavailable("not root");
  if (::access("/dev/loop-control", R_OK | W_OK) != 0) {
    return Status::Unavailable("no /dev/loop-control");
  }
  std::unique_ptr<ScratchPool> pool(new ScratchPool(std::move(options)));
  pool->mkfs_ = FindMkfs();
  if (pool->mkfs_.empty()) return Status::Unavailable("mkfs.ext4 not found");
  const std::string& dir = pool->options_.dir;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + dir, errno);
  // Leftovers of owners that are gone (a pid now held by a process started at another time
  // counts as gone: a restarted container's PID 1), and templates of older versions. Older
  // versions named their directory by the bare pid: judged by the pid alone.
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.starts_with(kTemplateFamily) && !name.starts_with(kTemplatePrefix)) {
        ::unlink((dir + "/" + name).c_str());
        continue;
      }
      int bare = NameOwnerPid(name, '\0');
      if (bare != 0 ? bare == ::getpid() || ProcessGone(bare) : TaggedOwnerGone(name)) {
        RemoveTree(dir + "/" + name);
      }
    }
    ::closedir(d);
  }
  pool->own_dir_ = dir + "/" + OwnerTag() + "-scratch";
  if (::mkdir(pool->own_dir_.c_str(), 0700) != 0) {
    return ErrnoStatus("mkdir " + pool->own_dir_, errno);
  }
  {
    std::lock_guard<std::mutex> lock(pool->mu_);
    for (uint32_t size : pool->options_.warm_sizes_mb) pool->Want(size);
  }
  pool->worker_ = std::thread([p = pool.get()] { p->Refill(); });
  return pool;
}

ScratchPool::~ScratchPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  ready_.clear();  // closing the descriptors unmounts each
  RemoveTree(own_dir_);
}

void ScratchPool::Want(uint32_t size_mb) {
  sizes_[size_mb] = ++tick_;
  depth_.try_emplace(size_mb, options_.depth);
  while (sizes_.size() > options_.max_sizes) {  // forget the least recently used size
    auto oldest = sizes_.begin();
    for (auto it = sizes_.begin(); it != sizes_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    ready_.erase(oldest->first);
    depth_.erase(oldest->first);
    sizes_.erase(oldest);
  }
}

Result<ScratchVolume> ScratchPool::Take(uint32_t size_mb) {
  ScratchVolume v;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Want(size_mb);
    auto& q = ready_[size_mb];
    size_t& depth = depth_[size_mb];
    if (q.empty()) {  // a burst: keep more ready from now on
      depth = std::min(options_.max_depth, std::max<size_t>(depth * 2, 1));
    } else {
      if (q.size() > options_.depth && depth > options_.depth) --depth;
      v = std::move(q.front());
      q.pop_front();
    }
  }
  cv_.notify_all();
  if (!v.mount.valid()) {
    auto made = Make(size_mb);
    if (!made.ok()) return made.error();
    v = std::move(*made);
  }
  v.root.reset(::openat(v.mount.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!v.root.valid()) return ErrnoStatus("open volume root", errno);
  return v;
}

void ScratchPool::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stop_ || (!making_ && (failed_ || Missing() == 0)); });
}

uint32_t ScratchPool::Missing() {
  for (const auto& [size, last] : sizes_) {
    if (ready_[size].size() < depth_[size]) return size;
  }
  return 0;
}

void ScratchPool::Refill() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    uint32_t missing = Missing();
    if (stop_) return;
    if (missing == 0) {
      cv_.wait(lock);
      continue;
    }
    making_ = true;
    lock.unlock();
    auto v = Make(missing);
    lock.lock();
    making_ = false;
    failed_ = !v.ok();
    cv_.notify_all();
    if (!v.ok()) {  // e.g. loop devices exhausted: try again later, Take makes its own
      cv_.wait_for(lock, std::chrono::seconds(1));
      continue;
    }
    if (sizes_.count(missing)) ready_[missing].push_back(std::move(*v));
  }
}

Result<std::string> ScratchPool::Template(uint32_t size_mb) {
  std::lock_guard<std::mutex> lock(make_mu_);
  std::string path =
      options_.dir + "/" + std::string(kTemplatePrefix) + std::to_string(size_mb) + "m.img";
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == ImageBytes(size_mb) &&
      HasExt4Magic(path)) {
    return path;
  }
  std::string tmp = path + "." + std::to_string(::getpid()) + ".tmp";  // same mount: rename
  UniqueFd fd(::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoStatus("create " + tmp, errno);
  if (::ftruncate(fd.get(), static_cast<off_t>(ImageBytes(size_mb))) != 0) {
    return ErrnoStatus("truncate " + tmp, errno);
  }
  // No journal (the volume dies with the environment), no reserved blocks, lazy inode tables
  // (the sparse file reads as zeros), 4 KiB blocks to match the loop device.
  bool ran = Run({mkfs_, "-q", "-F", "-b", "4096", "-i", "16384", "-I", "256", "-m", "0", "-O",
                  "^has_journal", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", "-L",
                  "tmp", tmp});
  if (!ran || !HasExt4Magic(tmp)) {
    ::unlink(tmp.c_str());
    return Status::Internal("mkfs.ext4 failed");
  }
  if (Status st = PrepareRoot(fd.get()); !st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename " + tmp, errno);
  return path;
}

Result<ScratchVolume> ScratchPool::Make(uint32_t size_mb) {
  auto tpl = Template(size_mb);
  if (!tpl.ok()) return tpl.error();
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
  }
  std::string image = own_dir_ + "/" + std::to_string(id) + ".img";
  UniqueFd file(::open(image.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!file.valid()) return ErrnoStatus("create " + image, errno);
  Status copied = CopySparse(*tpl, file.get());
  std::string device;
  Result<UniqueFd> loop = copied.ok() ? AttachLoop(file.get(), device) : Result<UniqueFd>(copied);
  ::unlink(image.c_str());  // the loop device holds the file from here on
  if (!loop.ok()) return loop.error();
  file.reset();
  auto mnt = MountDetached(device);  // on failure, closing the loop device clears it
  if (!mnt.ok()) return mnt.error();
  loop->reset();  // the file system holds the device now; its root is ready (PrepareRoot)
  ScratchVolume v;
  v.mount = std::move(*mnt);
  return v;
}

void ScratchPool::Discard(UniqueFd root) {
  if (!root.valid()) return;
  struct statfs sf;
  if (::fstatfs(root.get(), &sf) == 0 &&
      static_cast<uint64_t>(sf.f_blocks - sf.f_bfree) * static_cast<uint64_t>(sf.f_bsize) >
          kDiscardAboveBytes) {
    uint32_t flags = kNoLogFlush;
    ::ioctl(root.get(), kExt4Shutdown, &flags);
  }
  root.reset();
}

}  // namespace nimbus::sandbox
