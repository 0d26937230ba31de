// The OCI image layout (what ECS containers run): a busybox-static root from two layer
// directories under a writable overlay upper (root only; Debian's busybox-static).
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "sandbox/sandbox.h"
#include "sandbox/sandbox_fixture.h"

namespace nimbus::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::Collect;
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

// ECS ulimits: any setrlimit resource, soft and hard; raising a hard limit above nimbus's own
// needs CAP_SYS_RESOURCE, which the launch does not have when nimbus lacks it: a clear error.
TEST_F(SandboxImageTest, ResourceLimits) {
  for (const char* applet : {"grep", "tr"}) {
    fs::create_symlink("busybox", base_.path() + "/bin/" + applet);
  }
  SandboxSpec s = Image(
      "grep -E '^Max (processes|core file size|open files|locked memory)' /proc/self/limits | "
      "tr -s ' '");
  struct rlimit memlock;  // raised to nimbus's own hard limit at most
  ASSERT_EQ(::getrlimit(RLIMIT_MEMLOCK, &memlock), 0);
  s.resource_limits = {{RLIMIT_NPROC, 100, 200, "nproc"},
                       {RLIMIT_CORE, 0, 0, "core"},
                       {RLIMIT_NOFILE, 512, 1024, "nofile"},
                       {RLIMIT_MEMLOCK, 65536, memlock.rlim_max, "memlock"}};
  auto r = Run(s);
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status.Describe() << r.err;
  std::string hard =
      memlock.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(memlock.rlim_max);
  std::string want =
      "Max core file size 0 0 bytes \nMax processes 100 200 processes \n"
      "Max open files 512 1024 files \nMax locked memory 65536 " +
      hard + " bytes \n";
  EXPECT_EQ(r.out, want) << r.err;

  struct rlimit files;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  std::string status = TempDir::ReadFile("/proc/self/status");
  size_t cap = status.find("CapEff:");
  uint64_t effective = std::stoull(status.substr(cap + 7), nullptr, 16);
  if (files.rlim_max == RLIM_INFINITY || (effective >> CAP_SYS_RESOURCE) & 1) {
    GTEST_SKIP() << "nimbus may raise its hard limits here";
  }
  s.resource_limits = {{RLIMIT_NOFILE, 1024, files.rlim_max + 1, "nofile"}};
  auto refused = manager_->Launch(s);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "setrlimit nofile: Operation not permitted");
}

// An ECS task's memory across its containers: a group's limit holds sandboxes whose own limits
// would each allow more; the group's OOM kill shows on its victim.
TEST_F(SandboxImageTest, AGroupSharesItsLimitsAcrossSandboxes) {
  fs::create_symlink("busybox", base_.path() + "/bin/dd");
  fs::create_symlink("busybox", base_.path() + "/bin/sleep");
  for (uint32_t group_mb : {256u, 48u}) {
    auto group = manager_->CreateGroup({group_mb, 2000});
    ASSERT_TRUE(group.ok()) << group.error().ToString();
    std::vector<std::unique_ptr<Sandbox>> boxes;
    for (int i = 0; i < 2; ++i) {  // each holds a 32 MiB buffer for a while (the pipe is full)
      SandboxSpec s = Image("dd if=/dev/zero bs=32M count=1 2>/dev/null | sleep 2");
      s.memory_mb = 256;
      s.group = group->get();
      auto sb = manager_->Launch(s);
      ASSERT_TRUE(sb.ok()) << sb.error().ToString();
      boxes.push_back(std::move(*sb));
    }
    for (auto& sb : boxes) Collect(*sb);
    EXPECT_EQ(boxes[0]->WasOomKilled() || boxes[1]->WasOomKilled(), group_mb == 48) << group_mb;
    boxes.clear();
    group->reset();
  }
  manager_->WaitForCleanup();
}

// docker exec: a second process in a running container sees its root (and what it wrote), its
// hostname and pid namespace, runs as the spec says, and goes with Kill without the container.
TEST_F(SandboxImageTest, ExecRunsInsideARunningContainer) {
  for (const char* applet : {"sleep", "hostname", "pidof", "grep", "tr"}) {
    fs::create_symlink("busybox", base_.path() + "/bin/" + applet);
  }
  SandboxSpec s = Image("echo mark > /app/mark; exec sleep 60");
  s.memory_mb = 64;
  auto container = manager_->Launch(s);
  ASSERT_TRUE(container.ok()) << container.error().ToString();
  for (int i = 0; i < 500 && !fs::exists(container_.path() + "/upper/app/mark"); ++i) {
    ::usleep(10000);
  }
  ExecSpec e;
  e.argv = {"/bin/sh", "-c",
            "cat mark; hostname; pidof sleep >/dev/null && echo same-pids; id -u;"
            "grep -E '^CapEff:' /proc/self/status | tr -s '\t' ' '; echo $EXEC_VAR; exit 3"};
  e.env = {"PATH=/bin", "EXEC_VAR=given"};
  e.working_dir = "/app";
  e.uid = 1000;
  e.gid = 1000;
  e.capabilities = kDockerDefaultCapabilities;
  auto probe = manager_->Exec(**container, e);
  ASSERT_TRUE(probe.ok()) << probe.error().ToString();
  auto r = Collect(**probe);
  EXPECT_TRUE(r.status.exited && r.status.code == 3) << r.status.Describe() << r.err;
  EXPECT_EQ(r.out, "mark\ncontainer\nsame-pids\n1000\nCapEff: 0000000000000000\ngiven\n") << r.err;

  // A process that runs on is killed alone; so is whatever it started.
  e.argv = {"/bin/sh", "-c", "sleep 50 & sleep 40"};
  e.discard_output = true;
  auto slow = manager_->Exec(**container, e);
  ASSERT_TRUE(slow.ok()) << slow.error().ToString();
  EXPECT_EQ((*slow)->stdout_fd(), -1);
  (*slow)->Kill();
  ExitStatus killed = (*slow)->Wait();
  EXPECT_EQ(killed.signal, SIGKILL) << killed.Describe();
  e.argv = {"/bin/sh", "-c", "pidof sleep | tr ' ' '\n' | grep -c ."};
  e.discard_output = false;
  auto count = manager_->Exec(**container, e);
  ASSERT_TRUE(count.ok());
  for (int i = 0; i < 100; ++i) {  // the killed ones may take a moment to go
    r = Collect(**count);
    if (r.out == "1\n") break;
    ::usleep(20000);
    count = manager_->Exec(**container, e);
    ASSERT_TRUE(count.ok());
  }
  EXPECT_EQ(r.out, "1\n") << r.err;
  EXPECT_FALSE((*container)->TryWait().has_value());

  // A program the container does not have: FailedPrecondition, as Launch.
  e.argv = {"/bin/nothing"};
  auto missing = manager_->Exec(**container, e);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kFailedPrecondition) << missing.error().ToString();

  (*container)->Kill();
  (*container)->Wait();
  auto late = manager_->Exec(**container, e);
  EXPECT_FALSE(late.ok());
}

}  // namespace
}  // namespace nimbus::sandbox
