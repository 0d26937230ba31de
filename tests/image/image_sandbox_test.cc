// Unpacked layers (whiteouts as overlayfs whiteouts, opaque directories, ids shifted into the
// sandbox's user namespace) run as a real sandbox's root: each layer its own overlayfs lower
// dir, as containerd's overlay snapshotter stacks them. Root only; Debian's busybox-static.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "image/layer_store.h"
#include "image/tar_builder.h"
#include "sandbox/sandbox_fixture.h"

namespace nimbus::image {
namespace {

namespace fs = std::filesystem;
using sandbox::testing::SandboxTest;
using sandbox::testing::TempDir;
using testing::TarBuilder;

class ImageSandboxTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "needs busybox-static";
    std::ifstream in("/bin/busybox", std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    busybox_ = s.str();
  }

  std::vector<std::string> Unpack(const std::vector<TarBuilder>& layers) {
    auto store = LayerStore::Open(cache_.path());
    EXPECT_TRUE(store.ok());
    std::vector<std::string> dirs;
    int i = 0;
    for (const auto& l : layers) {
      std::string blob = cache_.path() + "/blob" + std::to_string(i++);
      std::ofstream(blob, std::ios::binary) << testing::Gzip(l.Tar());
      auto dir = (*store)->Get(l.DiffId(), manager_->capabilities().id_offset,
                               [&]() -> Result<std::string> { return blob; });
      EXPECT_TRUE(dir.ok()) << dir.error().ToString();
      dirs.push_back(*dir);
    }
    return dirs;
  }

  std::string busybox_;
  TempDir cache_, container_;
};

TEST_F(ImageSandboxTest, WhiteoutsOpaqueDirsAndOwnersHoldInsideTheContainer) {
  TarBuilder base;
  TarBuilder::Opts exe, suid, user_dir, sticky;
  exe.mode = 0755;
  suid.mode = 04755;
  user_dir.mode = 0700;
  user_dir.uid = user_dir.gid = 1000;
  sticky.mode = 01777;
  base.Dir("bin").File("bin/busybox", busybox_, exe).HardLink("bin/suid", "bin/busybox");
  for (const char* applet : {"sh", "cat", "ls", "stat", "test", "echo", "id"})
    base.Symlink(std::string("bin/") + applet, "busybox");
  base.File("bin/suid-copy", "#!/bin/sh\n", suid)
      .Dir("tmp", sticky)
      .File("etc/motd", "base\n")
      .File("etc/removed", "x\n")
      .File("var/cache/old", "old\n")
      .Dir("data", user_dir);
  TarBuilder top;
  top.File("etc/.wh.removed", "")
      .File("etc/motd", "top\n")
      .File("var/cache/.wh..wh..opq", "")
      .File("var/cache/new", "new\n");
  auto layers = Unpack({base, top});
  ASSERT_EQ(layers.size(), 2u);
  fs::create_directories(container_.path() + "/upper");
  fs::create_directories(container_.path() + "/work");
  uid_t offset = manager_->capabilities().id_offset;
  std::printf("id offset %u (user namespace %s)\n", offset,
              manager_->capabilities().user_namespace ? "on" : "off");
  ASSERT_EQ(::chown((container_.path() + "/upper").c_str(), offset, offset), 0);
  ASSERT_EQ(::chown((container_.path() + "/work").c_str(), offset, offset), 0);

  sandbox::SandboxSpec spec;
  spec.argv = {"/bin/sh", "-c",
               "cat /etc/motd; test -e /etc/removed || echo gone; ls /var/cache; "
               "stat -c '%u %a' /data /bin/suid-copy /tmp; echo w > /etc/new && cat /etc/new; "
               "echo d > /data/f && cat /data/f"};
  spec.env = {"PATH=/bin"};
  spec.image =
      sandbox::ImageRootFs{layers, container_.path() + "/upper", container_.path() + "/work"};
  spec.uid = 0;
  spec.gid = 0;
  spec.capabilities = sandbox::kDockerDefaultCapabilities;
  auto r = Run(spec);
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status.Describe() << r.err;
  EXPECT_EQ(r.out, "top\ngone\nnew\n1000 700\n0 4755\n0 1777\nw\nd\n") << r.err;
  // The layers are untouched; writes went to the container's upper dir.
  EXPECT_FALSE(fs::exists(layers[1] + "/etc/new"));
  EXPECT_TRUE(fs::exists(container_.path() + "/upper/etc/new"));
}

}  // namespace
}  // namespace nimbus::image
