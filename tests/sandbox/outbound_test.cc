// PastaOutbound (root and pasta only): a namespace gets an interface with the host's routes while
// linked, loses it when the link goes, and nothing is left behind. No traffic is sent: the test
// only reads the namespace's interface and route tables.
#include "sandbox/outbound.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/fd.h"
#include "sandbox/netns.h"
#include "sandbox/test_util.h"

namespace nimbus::sandbox {
namespace {

using testing::TempDir;

// A /proc/net file as a thread inside namespace `netns` reads it.
std::string ReadInside(int netns, const std::string& file) {
  std::string text;
  std::thread([&] {
    if (::setns(netns, CLONE_NEWNET) != 0) return;
    std::ifstream in("/proc/thread-self/net/" + file);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }).join();
  return text;
}

std::vector<std::string> Interfaces(int netns) {
  std::vector<std::string> out;
  std::stringstream ss(ReadInside(netns, "dev"));
  std::string line;
  for (int i = 0; std::getline(ss, line); ++i) {
    if (i < 2) continue;
    std::string name = line.substr(0, line.find(':'));
    name.erase(0, name.find_first_not_of(' '));
    out.push_back(name);
  }
  return out;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  if (d) ::closedir(d);
  return out;
}

class OutboundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    outbound_ = PastaOutbound(dir_.path() + "/links");
    if (!outbound_) GTEST_SKIP() << "pasta (Debian package passt) is not installed";
  }
  TempDir dir_;
  std::unique_ptr<NetworkNamespaces> namespaces_ = HostNetworkNamespaces();
  std::unique_ptr<Outbound> outbound_;
};

TEST_F(OutboundTest, LinkedNamespaceHasTheHostsRoutesUntilTheLinkGoes) {
  auto ns = namespaces_->Create({});
  ASSERT_TRUE(ns.ok()) << ns.error().ToString();
  EXPECT_EQ(Interfaces(ns->get()), std::vector<std::string>{"lo"});
  auto link = outbound_->Connect(ns->get());
  ASSERT_TRUE(link.ok()) << link.error().ToString();
  std::vector<std::string> linked = Interfaces(ns->get());
  EXPECT_EQ(linked.size(), 2u);
  EXPECT_EQ(linked[0], "lo");
  std::string route = ReadInside(ns->get(), "route");
  EXPECT_NE(route.find("\t00000000\t"), std::string::npos) << route;  // a default route
  EXPECT_FALSE(Entries(dir_.path() + "/links").empty());
  link->reset();  // pasta stops; its tap goes with it
  for (int i = 0; i < 200 && Interfaces(ns->get()).size() > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Interfaces(ns->get()), std::vector<std::string>{"lo"});
  EXPECT_TRUE(Entries(dir_.path() + "/links").empty());
}

TEST_F(OutboundTest, PastaInheritsNoneOfNimbussDescriptors) {
  // Asio opens sockets without close-on-exec; a pipe stands in for them.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  char self[64];
  ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fds[0])).c_str(), self, sizeof self);
  ASSERT_GT(n, 0);
  const std::string pipe(self, static_cast<size_t>(n));  // "pipe:[<inode>]"
  auto ns = namespaces_->Create({});
  ASSERT_TRUE(ns.ok()) << ns.error().ToString();
  auto link = outbound_->Connect(ns->get());
  ASSERT_TRUE(link.ok()) << link.error().ToString();
  std::string pid_file;
  for (const std::string& e : Entries(dir_.path() + "/links")) {
    if (e.ends_with(".pid")) pid_file = dir_.path() + "/links/" + e;
  }
  std::ifstream in(pid_file);
  int pid = 0;
  in >> pid;
  ASSERT_GT(pid, 0) << pid_file;
  std::vector<std::string> held;
  for (const std::string& fd : Entries("/proc/" + std::to_string(pid) + "/fd")) {
    char target[256];
    ssize_t len = ::readlink(("/proc/" + std::to_string(pid) + "/fd/" + fd).c_str(), target,
                             sizeof target);
    if (len > 0) held.emplace_back(target, static_cast<size_t>(len));
  }
  EXPECT_FALSE(held.empty());
  for (const std::string& h : held) EXPECT_NE(h, pipe);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(OutboundTest, FailureIsAnErrorValueAndLeavesNothing) {
  auto link = outbound_->Connect(12345);  // no such descriptor
  ASSERT_FALSE(link.ok());
  EXPECT_EQ(link.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(link.error().message().find("bind the namespace"), std::string::npos)
      << link.error().message();
  EXPECT_TRUE(Entries(dir_.path() + "/links").empty());
}

TEST_F(OutboundTest, LinksOfANimbusThatDiedAreRemovedAtStart) {
  std::string dir = dir_.path() + "/links";
  // A pid that cannot be running (above the kernel's maximum) in nimbus's naming.
  for (const char* name : {"4194305-1-0", "4194305-1-0.pid", "4194305-1-0.log"}) {
    std::ofstream(dir + "/" + name) << "x";
  }
  auto again = PastaOutbound(dir);
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(Entries(dir).empty());
}

TEST(OutboundCleanupTest, StaleLinksGoEvenWithOutboundOff) {
  TempDir dir;
  for (const char* name : {"4194305-1-0", "4194305-1-0.pid", "4194305-1-0.log"}) {
    dir.Write(name, "x");
  }
  dir.Write(OwnerTag() + "-7", "x");  // this process's own: kept
  RemoveStaleOutboundLinks(dir.path());
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{OwnerTag() + "-7"});
}

}  // namespace
}  // namespace nimbus::sandbox
