// cgroup detection and the v1/v2 file writes, against fake cgroupfs directories (no root).
#include "sandbox/cgroup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "sandbox/cgroup_pool.h"
#include "sandbox/fd.h"
#include "sandbox/test_util.h"

namespace nimbus::sandbox {
namespace {

using testing::TempDir;

// A fake cgroup v2 root in `fs` with every controller and `cpus` as its effective cpuset.
CgroupLayout FakeV2Root(TempDir& fs, const std::string& cpus) {
  fs.Write("cgroup.controllers", "cpuset cpu io memory pids\n");
  fs.Write("cpuset.cpus.effective", cpus + "\n");
  CgroupLayout layout;
  layout.version = CgroupVersion::kV2;
  layout.v2_root = fs.path();
  return layout;
}

constexpr char kHybridMountinfo[] =
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "garbage line\n";

constexpr char kUnifiedMountinfo[] =
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "30 27 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

TEST(CgroupDetectTest, HybridHostIsV1) {
  auto layout =
      DetectCgroupLayout(kHybridMountinfo, [](const std::string& p) -> Result<std::string> {
        if (p == "/sys/fs/cgroup/unified/cgroup.controllers") return std::string("hugetlb\n");
        return Status::NotFound(p);
      });
  EXPECT_EQ(layout.version, CgroupVersion::kV1);
  EXPECT_EQ(layout.v1_roots.at("memory"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(layout.v1_roots.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout.v1_roots.at("pids"), "/sys/fs/cgroup/pids");
  EXPECT_EQ(layout.v1_roots.count("freezer"), 0u);
}

TEST(CgroupDetectTest, UnifiedHostIsV2) {
  auto layout =
      DetectCgroupLayout(kUnifiedMountinfo, [](const std::string& p) -> Result<std::string> {
        if (p == "/sys/fs/cgroup/cgroup.controllers")
          return std::string("cpuset cpu io memory pids\n");
        return Status::NotFound(p);
      });
  EXPECT_EQ(layout.version, CgroupVersion::kV2);
  EXPECT_EQ(layout.v2_root, "/sys/fs/cgroup");
}

TEST(CgroupDetectTest, NothingMountedIsNone) {
  auto layout = DetectCgroupLayout(
      "", [](const std::string& p) -> Result<std::string> { return Status::NotFound(p); });
  EXPECT_EQ(layout.version, CgroupVersion::kNone);
  EXPECT_FALSE(CgroupParent::Open(layout).ok());
}

TEST(CgroupDetectTest, ThisHostIsDetected) {
  // Whatever this machine has must not crash detection; NIMBUS_EXPECT_CGROUP (v1, v2 or none; set
  // by the run in a cgroup v2 VM, tests/vm) says what it must find.
  const auto& layout = HostCgroupLayout();
  std::printf("cgroup %s\n", std::string(CgroupVersionName(layout.version)).c_str());
  if (const char* expect = std::getenv("NIMBUS_EXPECT_CGROUP")) {
    EXPECT_EQ(CgroupVersionName(layout.version), expect);
  }
}

TEST(CgroupV2Test, WritesLimitFilesAndReadsCounters) {
  TempDir fs;
  CgroupLayout layout = FakeV2Root(fs, "0-7");
  auto parent = CgroupParent::Open(layout, "nimbus");
  ASSERT_TRUE(parent.ok()) << parent.error().ToString();
  EXPECT_TRUE(parent->memory() && parent->cpu() && parent->cpuset() && parent->pids());
  EXPECT_EQ(parent->host_cpus().size(), 8u);
  // The last "+controller" write wins in a plain file; the real file accumulates.
  EXPECT_EQ(fs.Read("cgroup.subtree_control"), "+pids");

  CgroupLimits limits;
  limits.memory_bytes = 128ull << 20;
  limits.cpu = CpuQuotaForMemory(128);
  limits.cpus = {2, 3};
  limits.pids_max = 1024;
  auto cg = parent->Create("4242-1", limits);
  ASSERT_TRUE(cg.ok()) << cg.error().ToString();
  EXPECT_EQ(fs.Read("nimbus/4242-1/memory.max"), "134217728");
  EXPECT_EQ(fs.Read("nimbus/4242-1/memory.swap.max"), "0");
  EXPECT_EQ(fs.Read("nimbus/4242-1/cpu.max"), "1000 13821");
  EXPECT_EQ(fs.Read("nimbus/4242-1/cpu.max.burst"), "1000");
  EXPECT_EQ(fs.Read("nimbus/4242-1/cpuset.cpus"), "2-3");
  EXPECT_EQ(fs.Read("nimbus/4242-1/pids.max"), "1024");
  ASSERT_EQ(cg->procs_files().size(), 1u);
  EXPECT_EQ(cg->procs_files()[0], fs.path() + "/nimbus/4242-1/cgroup.procs");

  EXPECT_FALSE(cg->OomKilled());
  fs.Write("nimbus/4242-1/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
  EXPECT_TRUE(cg->OomKilled());
  EXPECT_FALSE(cg->PeakMemoryBytes().ok());
  fs.Write("nimbus/4242-1/memory.peak", "52428800\n");
  ASSERT_TRUE(cg->PeakMemoryBytes().ok());
  EXPECT_EQ(*cg->PeakMemoryBytes(), 52428800u);
  ASSERT_TRUE(cg->Freeze().ok());
  EXPECT_EQ(fs.Read("nimbus/4242-1/cgroup.freeze"), "1");
  ASSERT_TRUE(cg->Kill().ok());
  EXPECT_EQ(fs.Read("nimbus/4242-1/cgroup.kill"), "1");
}

TEST(CgroupV2Test, HierarchyWithoutControllersPlacesOnly) {
  TempDir fs;
  fs.Write("cgroup.controllers", "hugetlb\n");  // a hybrid host's unified mount
  CgroupLayout layout{CgroupVersion::kV2, fs.path(), {}};
  auto parent = CgroupParent::Open(layout, "nimbus");
  ASSERT_TRUE(parent.ok()) << parent.error().ToString();
  EXPECT_FALSE(parent->memory() || parent->cpu() || parent->cpuset() || parent->pids());
  EXPECT_TRUE(parent->freezer());
  EXPECT_EQ(fs.Read("cgroup.subtree_control"), "");  // nothing enabled

  CgroupLimits limits;
  limits.memory_bytes = 128ull << 20;
  limits.cpu = CpuQuotaForMemory(128);
  limits.pids_max = 1024;
  auto cg = parent->Create("4242-3", limits);
  ASSERT_TRUE(cg.ok()) << cg.error().ToString();
  ASSERT_EQ(cg->procs_files().size(), 1u);
  EXPECT_EQ(cg->procs_files()[0], fs.path() + "/nimbus/4242-3/cgroup.procs");
  for (const char* f : {"memory.max", "cpu.max", "pids.max"}) {
    EXPECT_NE(::access((fs.path() + "/nimbus/4242-3/" + f).c_str(), F_OK), 0) << f;
  }
  EXPECT_FALSE(cg->PeakMemoryBytes().ok());
}

TEST(CgroupV2Test, OfferedControllersThatCannotBeEnabledFail) {
  TempDir fs;
  fs.Write("cgroup.controllers", "memory pids\n");
  ::mkdir((fs.path() + "/cgroup.subtree_control").c_str(), 0755);  // every write fails
  CgroupLayout layout{CgroupVersion::kV2, fs.path(), {}};
  auto parent = CgroupParent::Open(layout, "nimbus");
  ASSERT_FALSE(parent.ok());
  EXPECT_EQ(parent.error().message(), "no usable cgroup controller");
}

TEST(CgroupV1Test, WritesLimitFilesPerHierarchy) {
  TempDir fs;
  for (const char* c : {"memory", "cpu", "cpuset", "pids"}) fs.Write(std::string(c) + "/tasks", "");
  fs.Write("cpuset/cpuset.cpus", "0-1\n");
  fs.Write("cpuset/cpuset.mems", "0\n");
  CgroupLayout layout;
  layout.version = CgroupVersion::kV1;
  for (const char* c : {"memory", "cpu", "cpuset", "pids"})
    layout.v1_roots[c] = fs.path() + "/" + c;
  auto parent = CgroupParent::Open(layout, "nimbus");
  ASSERT_TRUE(parent.ok()) << parent.error().ToString();
  EXPECT_EQ(fs.Read("cpuset/nimbus/cpuset.cpus"), "0-1");
  EXPECT_EQ(fs.Read("cpuset/nimbus/cpuset.mems"), "0");

  CgroupLimits limits;
  limits.memory_bytes = 256ull << 20;
  limits.cpu = CpuQuotaForMemory(3538);
  limits.cpus = PickCpus(parent->host_cpus(), VisibleCoresForMemory(3538), 0);
  limits.pids_max = 64;
  auto cg = parent->Create("4242-2", limits);
  ASSERT_TRUE(cg.ok()) << cg.error().ToString();
  EXPECT_EQ(fs.Read("memory/nimbus/4242-2/memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(fs.Read("memory/nimbus/4242-2/memory.memsw.limit_in_bytes"), "268435456");
  EXPECT_EQ(fs.Read("cpu/nimbus/4242-2/cpu.cfs_period_us"), "10000");
  EXPECT_EQ(fs.Read("cpu/nimbus/4242-2/cpu.cfs_quota_us"), "20000");
  EXPECT_EQ(fs.Read("cpu/nimbus/4242-2/cpu.cfs_burst_us"), "20000");
  EXPECT_EQ(fs.Read("cpuset/nimbus/4242-2/cpuset.cpus"), "0-1");  // 3 wanted, host has 2
  EXPECT_EQ(fs.Read("pids/nimbus/4242-2/pids.max"), "64");
  EXPECT_EQ(cg->procs_files().size(), 4u);
  fs.Write("memory/nimbus/4242-2/memory.oom_control",
           "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  EXPECT_FALSE(cg->OomKilled());
  fs.Write("memory/nimbus/4242-2/memory.oom_control",
           "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  EXPECT_TRUE(cg->OomKilled());
  fs.Write("memory/nimbus/4242-2/memory.max_usage_in_bytes", "1048576\n");
  EXPECT_EQ(*cg->PeakMemoryBytes(), 1048576u);
}

TEST(CgroupV1Test, StaleChildrenOfDeadOrEarlierOwnersAreRemoved) {
  TempDir fs;
  CgroupLayout layout;
  layout.version = CgroupVersion::kV1;
  layout.v1_roots["pids"] = fs.path() + "/pids";
  ::mkdir((fs.path() + "/pids").c_str(), 0755);
  ::mkdir((fs.path() + "/pids/nimbus").c_str(), 0755);
  std::string dir = fs.path() + "/pids/nimbus/";
  std::string pid = std::to_string(::getpid());
  ASSERT_EQ(OwnerTag().rfind(pid + "-", 0), 0u) << OwnerTag();  // "<pid>-<start time>"
  const std::vector<std::string> stale = {
      "999999999-1",       // the older "<pid>-<seq>" form: no such pid
      "999999999-5555-1",  // no such pid
      pid + "-1-1",        // this pid, but an earlier process's (a restarted container's PID 1)
  };
  const std::vector<std::string> kept = {
      OwnerTag() + "-1",  // this process's
      pid + "-1",         // the older form with a live pid
      "notapid",          // not nimbus's
  };
  for (const auto& n : stale) ::mkdir((dir + n).c_str(), 0755);
  for (const auto& n : kept) ::mkdir((dir + n).c_str(), 0755);
  ASSERT_TRUE(CgroupParent::Open(layout, "nimbus").ok());
  for (const auto& n : stale) EXPECT_NE(::access((dir + n).c_str(), F_OK), 0) << n;
  for (const auto& n : kept) EXPECT_EQ(::access((dir + n).c_str(), F_OK), 0) << n;
}

TEST(CgroupV1Test, FrozenAnchorIsAnEmptyFrozenFreezerCgroupOfThisOwner) {
  TempDir fs;
  for (const char* c : {"pids", "freezer"}) fs.Write(std::string(c) + "/tasks", "");
  CgroupLayout layout;
  layout.version = CgroupVersion::kV1;
  for (const char* c : {"pids", "freezer"}) layout.v1_roots[c] = fs.path() + "/" + c;
  auto parent = CgroupParent::Open(layout, "nimbus");
  ASSERT_TRUE(parent.ok()) << parent.error().ToString();
  auto anchor = parent->CreateFrozenAnchor();
  ASSERT_TRUE(anchor.ok()) << anchor.error().ToString();
  const std::string dir = anchor->Dir("freezer");
  const std::string prefix = fs.path() + "/freezer/nimbus/" + OwnerTag() + "-frozen";
  EXPECT_EQ(dir.rfind(prefix, 0), 0u) << dir;  // stale once this owner is gone
  std::string name = dir.substr(dir.rfind('/') + 1);
  EXPECT_EQ(fs.Read("freezer/nimbus/" + name + "/freezer.state"), "FROZEN");
  EXPECT_NE(::access((fs.path() + "/pids/nimbus/" + name).c_str(), F_OK), 0);  // freezer only
  EXPECT_TRUE(anchor->procs_files().empty());  // nothing is ever placed in it
  auto second = parent->CreateFrozenAnchor();  // another manager in the same process
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->Dir("freezer"), dir);  // removing one leaves the other
}

TEST(CgroupV2Test, NeedsNoFrozenAnchor) {
  TempDir fs;
  auto parent = CgroupParent::Open(FakeV2Root(fs, "0-1"), "nimbus");
  ASSERT_TRUE(parent.ok()) << parent.error().ToString();
  auto anchor = parent->CreateFrozenAnchor();
  ASSERT_TRUE(anchor.ok());
  EXPECT_EQ(anchor->version(), CgroupVersion::kNone);
  EXPECT_TRUE(anchor->Dir("").empty());
  for (const auto& entry : std::filesystem::directory_iterator(fs.path() + "/nimbus")) {
    EXPECT_EQ(entry.path().filename().string().find("-frozen"), std::string::npos);
  }
}

TEST(CgroupPoolTest, KeepsCgroupsReadyPerKey) {
  TempDir fs;
  CgroupLayout layout = FakeV2Root(fs, "0-3");
  auto parent = CgroupParent::Open(layout, "nimbus");
  ASSERT_TRUE(parent.ok()) << parent.error().ToString();
  auto count = [&] {  // cgroups made (their limits written)
    int n = 0;
    for (int seq = 0; seq < 8; ++seq) {
      std::string dir = "/nimbus/" + OwnerTag() + "-" + std::to_string(seq);
      n += ::access((fs.path() + dir + "/memory.max").c_str(), F_OK) == 0;
    }
    return n;
  };

  for (int seq = 0; seq < 8; ++seq) {  // the files a real cgroup has: the pool opens them
    fs.Write("nimbus/" + OwnerTag() + "-" + std::to_string(seq) + "/cgroup.procs", "");
  }
  CgroupPool pool(*parent, /*depth=*/2);
  auto first = pool.Take(CgroupKey{256, 64});  // a new key: made on the spot
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  pool.WaitIdle();
  EXPECT_EQ(count(), 3);  // and two more made ahead
  auto second = pool.Take(CgroupKey{256, 64});
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_NE(second->cgroup.Dir(""), first->cgroup.Dir(""));
  EXPECT_EQ(second->procs.size(), 1u);  // cgroup.procs, opened ahead
  EXPECT_TRUE(second->procs[0].valid());
  EXPECT_TRUE(second->dir.valid());
  std::string dir = second->cgroup.Dir("").substr(fs.path().size() + 1);
  EXPECT_EQ(fs.Read(dir + "/memory.max"), "268435456");
  EXPECT_EQ(fs.Read(dir + "/pids.max"), "64");
  EXPECT_EQ(fs.Read(dir + "/cpu.max"), "1447 10000");
  pool.WaitIdle();
  EXPECT_EQ(count(), 4);

  // An unthrottled start is another key: its cgroup gets the quota only when asked to.
  auto unthrottled = pool.Take(CgroupKey{256, 64, true});
  ASSERT_TRUE(unthrottled.ok()) << unthrottled.error().ToString();
  std::string udir = unthrottled->cgroup.Dir("").substr(fs.path().size() + 1);
  EXPECT_EQ(fs.Read(udir + "/memory.max"), "268435456");
  EXPECT_NE(fs.Read(udir + "/cpu.max"), "1447 10000");
  ASSERT_TRUE(unthrottled->cgroup.ApplyPendingCpuQuota().ok());
  EXPECT_EQ(fs.Read(udir + "/cpu.max"), "1447 10000");
  EXPECT_EQ(fs.Read(udir + "/cpu.max.burst"), "1447");

  // A container's CPU as given (quota, shares, cpuset) instead of Lambda's share of its memory.
  for (int seq = 8; seq < 12; ++seq) {
    fs.Write("nimbus/" + OwnerTag() + "-" + std::to_string(seq) + "/cgroup.procs", "");
  }
  auto container = pool.Take(CgroupKey{256, 64, false, 500, 2048, {0}});
  ASSERT_TRUE(container.ok()) << container.error().ToString();
  std::string cdir = container->cgroup.Dir("").substr(fs.path().size() + 1);
  EXPECT_EQ(fs.Read(cdir + "/cpu.max"), "50000 100000");
  EXPECT_EQ(fs.Read(cdir + "/cpu.weight"), "79");
  EXPECT_EQ(fs.Read(cdir + "/cpuset.cpus"), "0");
  pool.WaitIdle();
}

}  // namespace
}  // namespace nimbus::sandbox
