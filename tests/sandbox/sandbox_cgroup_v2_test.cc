// The cgroup v2 code path on the real kernel (root only): sandboxes in a cgroup2 hierarchy, even
// one without controllers (a hybrid host's /sys/fs/cgroup/unified), are placed in their cgroup,
// frozen, thawed and killed, and their cgroups removed.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/fd.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox_fixture.h"

namespace nimbus::sandbox {
namespace {

using testing::TempDir;
using Clock = std::chrono::steady_clock;

// Mount point of the first cgroup2 file system in /proc/self/mountinfo, or "".
std::string Cgroup2Mount() {
  auto mi = ReadFile("/proc/self/mountinfo");
  if (!mi.ok()) return "";
  size_t at = 0;
  while (at < mi->size()) {
    size_t end = mi->find('\n', at);
    if (end == std::string::npos) end = mi->size();
    std::string line = mi->substr(at, end - at);
    at = end + 1;
    std::vector<std::string> f;
    for (size_t p = 0, q; p <= line.size(); p = q + 1) {
      q = line.find(' ', p);
      if (q == std::string::npos) q = line.size();
      f.push_back(line.substr(p, q - p));
    }
    for (size_t i = 5; i + 1 < f.size(); ++i) {
      if (f[i] == "-" && f[i + 1] == "cgroup2") return f[4];
    }
  }
  return "";
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// "key value" lines of cgroup.events.
bool EventIs(const std::string& dir, const std::string& key_value) {
  auto ev = ReadFile(dir + "/cgroup.events");
  return ev.ok() && ev->find(key_value + "\n") != std::string::npos;
}

std::set<pid_t> Procs(const std::string& dir) {
  std::set<pid_t> out;
  auto text = ReadFile(dir + "/cgroup.procs");
  if (!text.ok()) return out;
  size_t at = 0;
  while (at < text->size()) {
    size_t end = text->find('\n', at);
    if (end == std::string::npos) end = text->size();
    if (end > at) out.insert(std::stoi(text->substr(at, end - at)));
    at = end + 1;
  }
  return out;
}

std::vector<std::string> Subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  while (d) {
    dirent* e = ::readdir(d);
    if (!e) break;
    if (e->d_type == DT_DIR && e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
  }
  if (d) ::closedir(d);
  return out;
}

// Reads `fd` until `text` has arrived (or 10 s passed); returns what was read.
std::string ReadUntil(int fd, const std::string& text) {
  std::string got;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (got.find(text) == std::string::npos && Clock::now() < deadline) {
    struct pollfd p = {fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Reads and discards what arrives on `fd` within `wait`; returns how many bytes did.
size_t Drain(int fd, std::chrono::milliseconds wait) {
  size_t total = 0;
  auto deadline = Clock::now() + wait;
  for (;;) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) return total;
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return total;
    total += static_cast<size_t>(n);
  }
}

class SandboxCgroupV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, cgroups)";
    root_ = Cgroup2Mount();
    if (root_.empty()) GTEST_SKIP() << "no cgroup2 mount";
    if (::access((root_ + "/cgroup.procs").c_str(), W_OK) != 0) {
      GTEST_SKIP() << root_ << " is not writable";
    }
    parent_ = "nimbus-v2test-" + std::to_string(::getpid());
  }
  void Start(SandboxManagerOptions::Isolation isolation) {
    SandboxManagerOptions o;
    o.isolation = isolation;
    o.state_dir = state_.path();
    o.cgroup_parent = parent_;
    o.cgroup_layout = CgroupLayout{CgroupVersion::kV2, root_, {}};
    o.disk_tmp = false;  // not what this test is about
    auto m = SandboxManager::Create(o);
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    manager_ = std::move(*m);
    std::printf("%s (%s)\n", manager_->capabilities().Describe().c_str(), root_.c_str());
    ASSERT_EQ(manager_->capabilities().cgroup_version, CgroupVersion::kV2);
    for (const char* f : {"cgroup.kill", "cgroup.freeze"}) {
      if (::access((parent_dir() + "/" + f).c_str(), F_OK) != 0) {
        GTEST_SKIP() << "kernel without " << f;
      }
    }
  }
  void TearDown() override {
    manager_.reset();  // removes the cgroups it made ahead
    if (parent_.empty()) return;
    for (const auto& dir : Subdirs(parent_dir())) {  // only after a failure
      (void)WriteFile(dir + "/cgroup.kill", "1");
      WaitFor([&] { return ::rmdir(dir.c_str()) == 0 || errno != EBUSY; }, std::chrono::seconds(2));
    }
    ::rmdir(parent_dir().c_str());
  }
  std::string parent_dir() const { return root_ + "/" + parent_; }

  SandboxSpec Shell(const std::string& script) const {
    SandboxSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.env = {"PATH=/usr/bin:/bin"};
    s.code_dir = code_.path();
    return s;
  }

  std::string root_, parent_;
  TempDir state_, code_;
  std::unique_ptr<SandboxManager> manager_;
};

TEST_F(SandboxCgroupV2Test, PlacesFreezesThawsKillsAndRemoves) {
  Start(SandboxManagerOptions::Isolation::kNamespaces);
  if (IsSkipped() || HasFatalFailure()) return;
  auto sb = manager_->Launch(Shell("sleep 100 & echo ready; while sleep 0.02; do echo t; done"));
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  int out = (*sb)->stdout_fd();
  ASSERT_NE(ReadUntil(out, "ready\n").find("ready\n"), std::string::npos);

  // Placement: init, sh and sleep are in the sandbox's v2 cgroup, as /proc says too.
  std::string dir = (*sb)->CgroupDir("");
  ASSERT_EQ(dir.rfind(parent_dir() + "/", 0), 0u) << dir;
  std::set<pid_t> procs = Procs(dir);
  EXPECT_GE(procs.size(), 3u);
  EXPECT_EQ(procs.count((*sb)->pid()), 1u);
  std::string line = "0::" + dir.substr(root_.size()) + "\n";
  auto init_cgroup = ReadFile("/proc/" + std::to_string((*sb)->pid()) + "/cgroup");
  ASSERT_TRUE(init_cgroup.ok());
  EXPECT_NE(init_cgroup->find(line), std::string::npos) << *init_cgroup << " lacks " << line;
  for (pid_t pid : procs) {
    auto text = ReadFile("/proc/" + std::to_string(pid) + "/cgroup");
    if (!text.ok()) continue;  // a sleep that ended meanwhile
    EXPECT_NE(text->find(line), std::string::npos) << pid << ": " << *text;
  }
  EXPECT_TRUE(EventIs(dir, "populated 1"));

  // Freeze: the loop stops printing; thaw: it goes on.
  ASSERT_TRUE((*sb)->Freeze().ok());
  ASSERT_TRUE(WaitFor([&] { return EventIs(dir, "frozen 1"); }, std::chrono::seconds(2)));
  Drain(out, std::chrono::milliseconds(50));  // what was written before
  EXPECT_EQ(Drain(out, std::chrono::milliseconds(300)), 0u);
  ASSERT_TRUE((*sb)->Thaw().ok());
  ASSERT_TRUE(WaitFor([&] { return EventIs(dir, "frozen 0"); }, std::chrono::seconds(2)));
  EXPECT_NE(ReadUntil(out, "t\n").find("t\n"), std::string::npos);

  // Kill: everything goes, the cgroup empties.
  (*sb)->Kill();
  ExitStatus st = (*sb)->Wait();
  EXPECT_EQ(st.signal, SIGKILL) << st.Describe();
  EXPECT_TRUE(WaitFor([&] { return EventIs(dir, "populated 0"); }, std::chrono::seconds(2)));
  EXPECT_TRUE(Procs(dir).empty());

  // Teardown: the sandbox's cgroup, then (with the manager) the ones made ahead.
  sb->reset();
  manager_->WaitForCleanup();
  EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir;
  manager_.reset();
  EXPECT_TRUE(Subdirs(parent_dir()).empty());
  EXPECT_EQ(::rmdir(parent_dir().c_str()), 0) << std::strerror(errno);
}

TEST_F(SandboxCgroupV2Test, CgroupKillReachesProcessesOutsideInitsGroup) {
  // No pid namespace: killing init does not take the rest along; a process in a session of its
  // own escapes the process-group kill too, and only cgroup.kill reaches it.
  Start(SandboxManagerOptions::Isolation::kNone);
  if (IsSkipped() || HasFatalFailure()) return;
  auto sb = manager_->Launch(Shell("setsid sh -c 'echo ready; exec sleep 100' & wait"));
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  ASSERT_NE(ReadUntil((*sb)->stdout_fd(), "ready\n").find("ready\n"), std::string::npos);
  std::string dir = (*sb)->CgroupDir("");
  std::set<pid_t> procs;
  ASSERT_TRUE(WaitFor([&] { return (procs = Procs(dir)).size() >= 3; }, std::chrono::seconds(2)))
      << procs.size();
  (*sb)->Kill();
  (*sb)->Wait();
  EXPECT_TRUE(WaitFor([&] { return EventIs(dir, "populated 0"); }, std::chrono::seconds(2)))
      << Procs(dir).size() << " left";
  sb->reset();
  manager_->WaitForCleanup();
  EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir;
}

}  // namespace
}  // namespace nimbus::sandbox
