// ScratchPool: real ext4-on-loop volumes (root only).
#include "sandbox/scratch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "sandbox/fd.h"
#include "sandbox/test_util.h"

namespace nimbus::sandbox {
namespace {

using testing::TempDir;

// Writes 1 MiB blocks into `name` under `dir` until an error or `limit_mb`; returns MiB
// written and errno.
std::pair<int, int> Fill(int dir, const char* name, int limit_mb) {
  int fd = ::openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return {0, errno};
  std::string block(1 << 20, 'x');
  int written = 0, err = 0;
  for (; written < limit_mb; ++written) {
    // A short write near the end (Linux 6.1's ext4) sets no errno: the next write says why.
    size_t done = 0;
    for (ssize_t n = 0; done < block.size(); done += static_cast<size_t>(n)) {
      n = ::write(fd, block.data() + done, block.size() - done);
      if (n < 0) break;
    }
    if (done < block.size()) {
      err = errno;
      break;
    }
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  return {written, err};
}

TEST(ScratchPoolTest, VolumesHaveTheirSizeAndEndInEnospc) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts)";
  TempDir dir;
  ScratchPoolOptions o;
  o.dir = dir.path() + "/scratch";
  o.warm_sizes_mb = {32};
  o.depth = 1;
  ASSERT_EQ(::mkdir(o.dir.c_str(), 0700), 0);
  std::string stale = o.dir + "/template-ext4-v3-32m.img";  // an older template version
  UniqueFd(::open(stale.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  auto pool = ScratchPool::Create(o);
  if (!pool.ok()) GTEST_SKIP() << pool.error().ToString();
  EXPECT_NE(::access(stale.c_str(), F_OK), 0);
  auto v = (*pool)->Take(32);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  struct statvfs sv;
  ASSERT_EQ(::fstatvfs(v->root.get(), &sv), 0);
  uint64_t avail_kb = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize >> 10;
  EXPECT_GE(avail_kb, 32u * 1024);
  EXPECT_LE(avail_kb, 32u * 1024 * 107 / 100);
  struct stat st;
  ASSERT_EQ(::fstat(v->root.get(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  EXPECT_NE(::faccessat(v->root.get(), "lost+found", F_OK, 0), 0);  // an empty /tmp
  EXPECT_EQ(Fill(v->root.get(), "a", 16), std::make_pair(16, 0));
  auto [mb, err] = Fill(v->root.get(), "b", 64);
  EXPECT_EQ(err, ENOSPC);
  EXPECT_LT(mb, 20);
  // A new size is made on the spot; a taken volume is never handed out again.
  auto w = (*pool)->Take(512);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_TRUE(w->mount.valid());
  ASSERT_EQ(::fstatvfs(w->root.get(), &sv), 0);
  avail_kb = static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize >> 10;
  EXPECT_GE(avail_kb, 512u * 1024);
  EXPECT_LE(avail_kb, 512u * 1024 * 107 / 100);
  // Nothing of it is mounted in our namespace.
  auto mounts = ReadFile("/proc/self/mountinfo");
  ASSERT_TRUE(mounts.ok());
  EXPECT_EQ(mounts->find(o.dir), std::string::npos);
  v->mount.reset();
  ScratchPool::Discard(std::move(v->root));
}

TEST(ScratchPoolTest, LeftoversOfOwnersThatAreGoneAreRemoved) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts)";
  TempDir dir;
  ScratchPoolOptions o;
  o.dir = dir.path() + "/scratch";
  o.warm_sizes_mb = {};
  ASSERT_EQ(::mkdir(o.dir.c_str(), 0700), 0);
  std::string pid = std::to_string(::getpid());
  const std::vector<std::string> stale = {
      "999999999",               // the older bare-pid form: no such pid
      pid,                       // the older form with our pid: an earlier process's
      "999999999-5555-scratch",  // no such pid
      pid + "-1-scratch",        // this pid, but an earlier process's (a restarted PID 1)
  };
  const std::vector<std::string> kept = {
      OwnerTag() + "-other",  // a live owner's
      "notapid",              // not nimbus's
  };
  for (const auto& n : stale) ::mkdir((o.dir + "/" + n).c_str(), 0700);
  for (const auto& n : kept) ::mkdir((o.dir + "/" + n).c_str(), 0700);
  auto pool = ScratchPool::Create(o);
  if (!pool.ok()) GTEST_SKIP() << pool.error().ToString();
  for (const auto& n : stale) EXPECT_NE(::access((o.dir + "/" + n).c_str(), F_OK), 0) << n;
  for (const auto& n : kept) EXPECT_EQ(::access((o.dir + "/" + n).c_str(), F_OK), 0) << n;
  EXPECT_EQ(::access((o.dir + "/" + OwnerTag() + "-scratch").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace nimbus::sandbox
