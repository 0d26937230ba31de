// The OCI image layout (what ECS containers run): a busybox-static root from two layer
// directories under a writable overlay upper (root only; Debian's busybox-static).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "sandbox/sandbox.h"
#include "sandbox/sandbox_fixture.h"

namespace nimbus::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::SandboxTest;
using testing::TempDir;

constexpr const char* kBusybox = "/bin/busybox";

class SandboxImageTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    if (::access(kBusybox, X_OK) != 0) GTEST_SKIP() << "needs busybox-static (apt install)";
    // Layer 1: busybox and its applets; layer 2 on top: the app and a changed /etc/motd.
    fs::create_directories(base_.path() + "/bin");
    fs::copy_file(kBusybox, base_.path() + "/bin/busybox");
    for (const char* applet : {"sh", "cat", "echo", "id", "ls", "pwd", "rm", "test", "wc"}) {
      fs::create_symlink("busybox", base_.path() + "/bin/" + applet);
    }
    base_.Write("etc/motd", "base\n");
    base_.Write("app/old.txt", "old\n");
    app_.Write("app/hello.txt", "from the app layer\n");
    app_.Write("etc/motd", "app\n");
    fs::create_directories(container_.path() + "/upper");
    fs::create_directories(container_.path() + "/work");
    // Image files belong to the image's owners shifted into the sandbox's user namespace, as
    // Docker's userns-remap unpacks them (here: root).
    uid_t offset = manager_->capabilities().id_offset;
    for (const auto* dir : {&base_, &app_, &container_}) {
      for (const auto& e : fs::recursive_directory_iterator(dir->path())) {
        ASSERT_EQ(::lchown(e.path().c_str(), offset, offset), 0) << e.path();
      }
      ASSERT_EQ(::lchown(dir->path().c_str(), offset, offset), 0);
    }
  }

  SandboxSpec Image(const std::string& script) {
    SandboxSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.env = {"PATH=/bin", "IMAGE_VAR=1"};
    s.image = ImageRootFs{
        {base_.path(), app_.path()}, container_.path() + "/upper", container_.path() + "/work"};
    s.working_dir = "/app";
    s.uid = 0;
    s.gid = 0;
    s.capabilities = kDockerDefaultCapabilities;
    s.hostname = "container";
    return s;
  }

  TempDir base_, app_, container_;
};

TEST_F(SandboxImageTest, RunsTheImageOnAWritableOverlay) {
  auto r = Run(
      Image("pwd; cat hello.txt /etc/motd; echo $IMAGE_VAR; id -u; echo new > new.txt; rm old.txt;"
            "test -e /var/task && echo lambda-layout || echo image-layout; test -e /usr && echo "
            "usr; exit 0"));
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status.Describe() << r.err;
  EXPECT_EQ(r.out, "/app\nfrom the app layer\napp\n1\n0\nimage-layout\n") << r.err;
  // Writes land in the upper directory; the layers stay as they were.
  EXPECT_EQ(TempDir::ReadFile(container_.path() + "/upper/app/new.txt"), "new\n");
  EXPECT_TRUE(fs::exists(base_.path() + "/app/old.txt"));
  EXPECT_FALSE(fs::exists(app_.path() + "/app/new.txt"));
  // A second container on the same upper sees the first one's changes (a restarted task).
  EXPECT_EQ(Run(Image("cat new.txt; test -e old.txt || echo removed")).out, "new\nremoved\n");
}

TEST_F(SandboxImageTest, ANonRootImageUserHasNoEffectiveCapabilities) {  // as under Docker
  for (const char* applet : {"grep", "tr"}) {
    fs::create_symlink("busybox", base_.path() + "/bin/" + applet);
  }
  SandboxSpec s =
      Image("grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs):' /proc/self/status | tr -s '\\t' ' '");
  s.uid = 1000;
  s.gid = 1000;
  auto r = Run(s);
  EXPECT_EQ(r.out,
            "Uid: 1000 1000 1000 1000\nCapEff: 0000000000000000\nCapBnd: 00000000a80425fb\n"
            "NoNewPrivs: 1\n")
      << r.err;
}

TEST_F(SandboxImageTest, ProgramCanBePid1) {
  SandboxSpec s = Image("echo $$");
  EXPECT_NE(Run(s).out, "1\n");  // nimbus's init is PID 1 by default
  s.program_is_pid1 = true;
  auto r = Run(s);
  EXPECT_EQ(r.out, "1\n") << r.err;
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status.Describe();
  s = Image("exit 7");
  s.program_is_pid1 = true;
  r = Run(s);
  EXPECT_TRUE(r.status.exited && r.status.code == 7) << r.status.Describe();
}

TEST_F(SandboxImageTest, NetworkNoneHasOnlyALoopback) {
  SandboxSpec s = Image("cat /proc/net/dev | wc -l; cat /sys/class/net/lo/operstate 2>/dev/null");
  s.network_none = true;
  auto r = Run(s);
  EXPECT_EQ(r.out, "3\n") << r.err;  // two header lines and lo
}

TEST_F(SandboxImageTest, ALambdaImageRunsReadOnlyWithLambdasTmpAndUser) {
  for (const char* applet : {"cut", "df", "tail", "touch", "tr"}) {
    fs::create_symlink("busybox", base_.path() + "/bin/" + applet);
  }
  SandboxSpec s = Image(
      "id -u; cat /etc/motd; touch /app/x 2>/dev/null || echo read-only; echo t > /tmp/t && "
      "cat /tmp/t; test -e /dev/shm || echo no-shm; ls -ld / | tr -s ' ' | cut -d' ' -f3;"
      "df -m /tmp | tail -1 | tr -s ' ' | cut -d' ' -f2");
  s.image = ImageRootFs{{base_.path(), app_.path()}, "", "", /*read_only=*/true};
  s.uid = kLambdaUid;
  s.gid = kLambdaGid;
  s.capabilities = 0;
  s.ephemeral_storage_mb = 600;
  auto r = Run(s);
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status.Describe() << r.err;
  // The size the volume reports is about what it was made for (ext4's own blocks aside); the
  // root belongs to root inside (0: the image has no /etc/passwd).
  std::string size = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_EQ(r.out.substr(0, r.out.size() - size.size()),
            std::to_string(kLambdaUid) + "\napp\nread-only\nt\nno-shm\n0\n")
      << r.err;
  EXPECT_GT(std::stoi(size), 500) << r.out;
  EXPECT_LT(std::stoi(size), 700) << r.out;
  // Nothing of it was written into the layers.
  EXPECT_FALSE(fs::exists(app_.path() + "/tmp"));
  EXPECT_FALSE(fs::exists(base_.path() + "/tmp"));
}

}  // namespace
}  // namespace nimbus::sandbox
