#include "image/layer_unpacker.h"

#include <endian.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "image/root_fixture.h"
#include "image/tar_builder.h"

namespace nimbus::image {
namespace {

namespace fs = std::filesystem;
using testing::TarBuilder;

class UnpackTest : public testing::RootTest {
 protected:
  void SetUp() override {
    RootTest::SetUp();
    if (IsSkipped()) return;
    base_ = root_;
    fs::create_directories(base_ + "/out");
    fs::create_directories(base_ + "/outside");
  }
  Result<UnpackResult> Unpack(const std::string& bytes, uid_t offset = 0) {
    return UnpackLayer(Blob(bytes), base_ + "/out", offset);
  }
  std::string Out(const std::string& rel) { return base_ + "/out/" + rel; }
  std::string Read(const std::string& rel) {
    std::ifstream in(Out(rel));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  struct stat Lstat(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::lstat(Out(rel).c_str(), &st), 0) << rel;
    return st;
  }
  std::string base_;
};

TarBuilder Sample() {
  TarBuilder t;
  TarBuilder::Opts suid;
  suid.mode = 04755;
  TarBuilder::Opts owned;
  owned.uid = 1000;
  owned.gid = 1001;
  owned.mode = 0640;
  t.Dir("bin/")
      .File("bin/busybox", "ELF...", suid)
      .Symlink("bin/sh", "/bin/busybox")
      .HardLink("bin/ping", "bin/busybox")
      .Dir("home/app", owned)
      .File("home/app/notes.txt", "hello", owned)
      .File("deep/er/than/declared.txt", "x")  // parents not in the archive
      .Fifo("run.fifo");
  return t;
}

TEST_F(UnpackTest, PlainGzipAndZstdGiveTheSameTreeAndDiffId) {
  TarBuilder t = Sample();
  for (const std::string& blob : {t.Tar(), testing::Gzip(t.Tar()), testing::Zstd(t.Tar())}) {
    fs::remove_all(base_ + "/out");
    fs::create_directories(base_ + "/out");
    auto r = Unpack(blob);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->diff_id, t.DiffId());
    EXPECT_EQ(r->entries, 8u);
    EXPECT_EQ(Read("bin/busybox"), "ELF...");
    EXPECT_EQ(Read("home/app/notes.txt"), "hello");
    EXPECT_EQ(Read("deep/er/than/declared.txt"), "x");
  }
}

TEST_F(UnpackTest, KeepsModesLinksAndShiftsOwners) {
  const uid_t offset = 100000;
  auto r = Unpack(testing::Gzip(Sample().Tar()), offset);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  struct stat busybox = Lstat("bin/busybox");
  EXPECT_EQ(busybox.st_mode & 07777, 04755u);  // setuid survives the chown
  EXPECT_EQ(busybox.st_uid, offset);
  struct stat sh = Lstat("bin/sh");
  EXPECT_TRUE(S_ISLNK(sh.st_mode));
  EXPECT_EQ(fs::read_symlink(Out("bin/sh")), "/bin/busybox");
  EXPECT_EQ(sh.st_uid, offset);
  struct stat ping = Lstat("bin/ping");
  EXPECT_EQ(ping.st_ino, busybox.st_ino);
  struct stat notes = Lstat("home/app/notes.txt");
  EXPECT_EQ(notes.st_uid, offset + 1000);
  EXPECT_EQ(notes.st_gid, offset + 1001);
  EXPECT_EQ(notes.st_mode & 07777, 0640u);
  EXPECT_EQ(notes.st_mtime, 1700000000);
  EXPECT_EQ(Lstat("home/app").st_uid, offset + 1000);
  EXPECT_EQ(Lstat("deep").st_uid, offset);  // implied parents: root of the image
  EXPECT_TRUE(S_ISFIFO(Lstat("run.fifo").st_mode));
}

TEST_F(UnpackTest, WhiteoutsBecomeOverlayWhiteouts) {
  TarBuilder t;
  t.Dir("etc")
      .File("etc/.wh.motd", "")
      .Dir("var/cache")
      .File("var/cache/.wh..wh..opq", "")
      .File("var/cache/new", "n")
      .File("etc/.wh..wh.plnk", "");
  auto r = Unpack(t.Tar(), 5000);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  struct stat wh = Lstat("etc/motd");
  EXPECT_TRUE(S_ISCHR(wh.st_mode));
  EXPECT_EQ(wh.st_rdev, makedev(0, 0));
  EXPECT_EQ(wh.st_uid, 5000u);
  EXPECT_FALSE(fs::exists(Out("etc/.wh.motd")));
  EXPECT_FALSE(fs::exists(Out("etc/.wh..wh.plnk")));
  char value[8] = {};
  ASSERT_EQ(::getxattr(Out("var/cache").c_str(), "trusted.overlay.opaque", value, sizeof(value)),
            1);
  EXPECT_EQ(value[0], 'y');
  EXPECT_FALSE(fs::exists(Out("var/cache/.wh..wh..opq")));
  EXPECT_EQ(Read("var/cache/new"), "n");
}

TEST_F(UnpackTest, RefusesEntriesEscapingTheLayer) {
  const std::string outside = base_ + "/outside";
  std::vector<std::pair<std::string, TarBuilder>> cases;
  cases.push_back({"..", TarBuilder().File("../outside/x", "evil")});
  cases.push_back({"..", TarBuilder().File("a/../../outside/x", "evil")});
  cases.push_back({"absolute", TarBuilder().File(outside + "/x", "evil")});
  cases.push_back({"symlink", TarBuilder().Symlink("l", outside).File("l/x", "evil")});
  cases.push_back({"symlink", TarBuilder().Symlink("l", "..").File("l/outside/x", "evil")});
  cases.push_back({"symlink", TarBuilder().Dir("d").Symlink("d/up", "../..").Dir("d/up/outside")});
  cases.push_back({"..", TarBuilder().File("f", "x").HardLink("h", "../outside/secret")});
  cases.push_back({"symlink", TarBuilder().Symlink("l", outside).HardLink("h", "l/secret")});
  cases.push_back({"symlink", TarBuilder().Symlink("l", outside).File("l/.wh.secret", "")});
  cases.push_back({"opaque", TarBuilder().Symlink("l", outside).File("l/.wh..wh..opq", "")});
  std::ofstream(outside + "/secret") << "s";
  for (auto& [why, tar] : cases) {
    SCOPED_TRACE(why);
    fs::remove_all(base_ + "/out");
    fs::create_directories(base_ + "/out");
    auto r = Unpack(tar.Tar());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption) << r.error().ToString();
    EXPECT_NE(r.error().message().find("layer: entry"), std::string::npos) << r.error().message();
    // Nothing landed outside, and the secret is untouched.
    EXPECT_EQ(std::distance(fs::directory_iterator(outside), fs::directory_iterator()), 1);
    std::ifstream in(outside + "/secret");
    std::string s;
    in >> s;
    EXPECT_EQ(s, "s");
  }
}

TEST_F(UnpackTest, SkipsDeviceNodesAsRootlessDockerDoes) {
  TarBuilder t;
  t.Dir("dev").Char("dev/null", 1, 3).Char("dev/sda", 8, 0).File("ok", "1");
  auto r = Unpack(t.Tar(), 100000);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(fs::exists(Out("dev/null")));
  EXPECT_FALSE(fs::exists(Out("dev/sda")));
  EXPECT_EQ(Read("ok"), "1");
}

TEST_F(UnpackTest, UnmappableOwnersAreRefusedOnlyUnderAnOffset) {
  TarBuilder::Opts big;
  big.uid = 70000;
  TarBuilder t;
  t.File("f", "x", big);
  auto shifted = Unpack(t.Tar(), 100000);
  ASSERT_FALSE(shifted.ok());
  EXPECT_NE(shifted.error().message().find("cannot be mapped"), std::string::npos);
  fs::remove_all(base_ + "/out");
  fs::create_directories(base_ + "/out");
  auto plain = Unpack(t.Tar(), 0);
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  EXPECT_EQ(Lstat("f").st_uid, 70000u);
}

TEST_F(UnpackTest, LongNamesXattrsAndLaterEntriesReplacingEarlierOnes) {
  std::string long_dir(120, 'd');
  std::string long_file(150, 'f');
  TarBuilder::Opts gnu;
  gnu.gnu_long_name = true;
  TarBuilder::Opts attrs;
  attrs.xattrs = {{"user.note", "kept"}, {"trusted.overlay.opaque", "y"}};
  TarBuilder t;
  t.Dir(long_dir)
      .File(long_dir + "/" + long_file, "pax")
      .File("g/" + long_file, "gnu", gnu)
      .File("x", "first")
      .File("x", "second", attrs)
      .Symlink("y", "x")
      .File("y", "file now");
  auto r = Unpack(t.Tar());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Read(long_dir + "/" + long_file), "pax");
  EXPECT_EQ(Read("g/" + long_file), "gnu");
  EXPECT_EQ(Read("x"), "second");
  char v[16] = {};
  EXPECT_EQ(::getxattr(Out("x").c_str(), "user.note", v, sizeof(v)), 4);
  EXPECT_LT(::getxattr(Out("x").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 0);
  EXPECT_TRUE(S_ISREG(Lstat("y").st_mode));
}

TEST_F(UnpackTest, FileCapabilitiesAreRewrittenForTheNamespacesRoot) {
  // cap_net_raw+ep as setcap writes it (VFS_CAP_REVISION_2, effective flag): 20 bytes.
  std::string v2(
      "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00",
      20);
  TarBuilder::Opts caps;
  caps.mode = 0755;
  caps.xattrs = {{"security.capability", v2}};
  TarBuilder t;
  t.File("ping", "ELF", caps);
  const uid_t offset = 100000;
  auto r = Unpack(t.Tar(), offset);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  char got[64];
  ssize_t n = ::getxattr(Out("ping").c_str(), "security.capability", got, sizeof(got));
  ASSERT_EQ(n, 24) << "a v3 value with a rootid";
  EXPECT_EQ(static_cast<unsigned char>(got[3]), 0x03);  // VFS_CAP_REVISION_3
  EXPECT_EQ(std::string(got + 4, 16), v2.substr(4));    // the same capability sets
  uint32_t rootid;
  std::memcpy(&rootid, got + 20, 4);
  EXPECT_EQ(le32toh(rootid), offset);
}

TEST_F(UnpackTest, DamagedArchivesAreCorruption) {
  std::string tar = Sample().Tar();
  std::string bad_sum = tar;
  bad_sum[10] ^= 1;
  std::string gz = testing::Gzip(tar);
  const std::string cases[] = {bad_sum, tar.substr(0, 700), gz.substr(0, gz.size() / 2),
                               testing::Zstd(tar).substr(0, 40)};
  for (const auto& blob : cases) {
    fs::remove_all(base_ + "/out");
    fs::create_directories(base_ + "/out");
    auto r = Unpack(blob);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption) << r.error().ToString();
  }
}

}  // namespace
}  // namespace nimbus::image
