// The child plan built from a spec (no root needed).
#include "sandbox/plan.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <algorithm>
#include <string>
#include <vector>

namespace nimbus::sandbox {
namespace {

SandboxSpec BasicSpec() {
  SandboxSpec s;
  s.argv = {"/var/task/bootstrap", "arg"};
  s.env = {"A=1", "PATH=/usr/bin:/bin"};
  s.code_dir = "/srv/code";
  s.ephemeral_storage_mb = 600;
  return s;
}

PlanContext Ctx() {
  PlanContext c;
  c.staging_dir = "/run/nimbus/root";
  return c;
}

bool HasOp(const ChildPlan& p, ChildOp::Kind kind, const std::string& target,
           const std::string& needle = "") {
  for (const auto& op : p.ops) {
    if (op.kind != kind || !op.target || target != op.target) continue;
    std::string all = std::string(op.source ? op.source : "") + "|" + (op.data ? op.data : "");
    if (all.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(PlanTest, BuildsLambdaLikeRoot) {
  auto plan = BuildChildPlan(BasicSpec(), Ctx());
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const ChildPlan& p = **plan;
  EXPECT_STREQ(p.argv[0], "/var/task/bootstrap");
  EXPECT_EQ(p.argv.back(), nullptr);
  EXPECT_EQ(p.envp.size(), 3u);
  EXPECT_STREQ(p.workdir, "/var/task");
  EXPECT_STREQ(p.hostname, "localhost");
  EXPECT_EQ(p.open_files_limit, 1024u);
  const std::string r = "/run/nimbus/root";
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, r, "mode=0755"));
  EXPECT_TRUE(HasOp(p, ChildOp::kBindReadOnly, r + "/var/task", "/srv/code"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, r + "/tmp", "size=600m"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, r + "/proc"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, r + "/dev/null", "/dev/null"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, r + "/dev/urandom", "/dev/urandom"));
  EXPECT_FALSE(HasOp(p, ChildOp::kMkdir, r + "/dev/shm"));
  // /usr is bound read-only; /bin is either bound or a symlink, as on the host.
  EXPECT_TRUE(HasOp(p, ChildOp::kBindReadOnly, r + "/usr", "/usr"));
  EXPECT_TRUE(HasOp(p, ChildOp::kBindReadOnly, r + "/bin") ||
              HasOp(p, ChildOp::kSymlink, r + "/bin"));
  EXPECT_TRUE(HasOp(p, ChildOp::kBindReadOnly, r + "/etc", "/etc"));
  ASSERT_EQ(p.read_only_after_pivot.size(), 2u);
}

TEST(PlanTest, BindsADiskVolumeAtTmpInsteadOfATmpfs) {
  auto plan = BuildChildPlan(BasicSpec(), Ctx(), 42);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const ChildPlan& p = **plan;
  const std::string r = "/run/nimbus/root";
  EXPECT_TRUE(HasOp(p, ChildOp::kAttach, r + "/tmp"));
  EXPECT_FALSE(HasOp(p, ChildOp::kMount, r + "/tmp"));
  EXPECT_EQ(p.tmp_mount_fd, 42);
  for (size_t i = 0; i < p.ops.size(); ++i) {
    if (p.ops[i].kind == ChildOp::kAttach) {
      EXPECT_EQ(p.ops[i].fd, 42);
      EXPECT_EQ(DescribeChildStage(p, static_cast<int32_t>(i)), "attach the /tmp volume on /tmp");
    }
  }
}

TEST(PlanTest, LayersStackLaterOnTop) {
  SandboxSpec s = BasicSpec();
  s.layer_dirs = {"/l/one"};
  auto one = BuildChildPlan(s, Ctx());
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(HasOp(**one, ChildOp::kBindReadOnly, "/run/nimbus/root/opt", "/l/one"));
  s.layer_dirs = {"/l/one", "/l/two", "/l/three"};
  auto three = BuildChildPlan(s, Ctx());
  ASSERT_TRUE(three.ok());
  EXPECT_TRUE(
      HasOp(**three, ChildOp::kMount, "/run/nimbus/root/opt", "lowerdir=/l/three:/l/two:/l/one"));
}

TEST(PlanTest, RejectsBadInput) {
  auto bad = [](auto mutate) {
    SandboxSpec s = BasicSpec();
    mutate(s);
    auto r = BuildChildPlan(s, Ctx());
    return !r.ok() && r.error().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.argv.clear(); }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.argv[0] = "bootstrap"; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.argv[1] = std::string("a\0b", 3); }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.env = {"NOEQUALS"}; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.env = {"=x"}; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.code_dir = "relative"; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.code_dir = "/a/../etc"; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.layer_dirs = {"/a:b"}; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.layer_dirs = {"/1", "/2", "/3", "/4", "/5", "/6"}; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.extra_read_only = {{"/x", "/usr/x"}}; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.extra_read_only = {{"/x", "/var"}}; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.memory_mb = 0; }));
  EXPECT_TRUE(bad([](SandboxSpec& s) { s.hostname = std::string(65, 'h'); }));
  SandboxSpec ok = BasicSpec();
  ok.extra_read_only = {{"/srv/runtime", "/var/runtime"}};
  EXPECT_TRUE(BuildChildPlan(ok, Ctx()).ok());
}

TEST(PlanTest, NoMountNamespaceRunsInCodeDir) {
  PlanContext c = Ctx();
  c.mount_namespace = c.pid_namespace = c.uts_namespace = false;
  auto plan = BuildChildPlan(BasicSpec(), c);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE((*plan)->ops.empty());
  EXPECT_STREQ((*plan)->workdir, "/srv/code");
  EXPECT_EQ((*plan)->hostname, nullptr);
}

TEST(PlanTest, DescribesStages) {
  auto plan = BuildChildPlan(BasicSpec(), Ctx());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(DescribeChildStage(**plan, kStageExec), "execve /var/task/bootstrap");
  EXPECT_EQ(DescribeChildStage(**plan, 0), "mount tmpfs on /");
}

TEST(PlanTest, InitArgumentsNameDescriptorsAndTheFunction) {
  PlanContext ctx = Ctx();
  ctx.oom_score_adj = "200";
  SandboxSpec spec = BasicSpec();
  spec.uid = 1000;
  spec.gid = 1001;
  spec.capabilities = kDockerDefaultCapabilities;
  auto plan = BuildChildPlan(spec, ctx);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  ChildPlan& p = **plan;
  p.stdout_fd = 5;
  p.stderr_fd = 6;
  p.report_fd = 7;
  p.status_fd = 8;
  p.lifeline_fd = -1;
  p.user_namespace_fd = 9;
  p.seccomp_fd = 10;
  SetInitArguments(p);
  ASSERT_EQ(p.init_argv.size(), 6u);
  EXPECT_STREQ(p.init_argv[0], "init");
  EXPECT_STREQ(p.init_argv[1], "5 6 7 8 -1 1 1000 1001 9 10 0 2818844155");
  EXPECT_STREQ(p.init_argv[2], "200");
  EXPECT_STREQ(p.init_argv[3], "/var/task/bootstrap");
  EXPECT_STREQ(p.init_argv[4], "arg");
  EXPECT_EQ(p.init_argv[5], nullptr);
}

TEST(PlanTest, RunsAsSbxUser1051WithoutCapabilitiesByDefault) {
  auto plan = BuildChildPlan(BasicSpec(), Ctx());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)->uid, 993);
  EXPECT_EQ((*plan)->gid, 990);
  EXPECT_EQ((*plan)->capabilities, 0u);
}

TEST(PlanTest, MasksProcAsDocker) {
  PlanContext ctx = Ctx();
  ctx.proc_masked_files = {"kcore", "keys"};
  ctx.proc_masked_dirs = {"acpi"};
  ctx.proc_read_only = {"sys"};
  ctx.empty_dir = "/run/nimbus/empty";
  auto plan = BuildChildPlan(BasicSpec(), ctx);
  ASSERT_TRUE(plan.ok());
  const ChildPlan& p = **plan;
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/proc/kcore", "/dev/null"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/proc/keys", "/dev/null"));
  EXPECT_TRUE(HasOp(p, ChildOp::kBindReadOnly, "/run/nimbus/root/proc/acpi", "/run/nimbus/empty"));
  EXPECT_TRUE(
      HasOp(p, ChildOp::kBindReadOnly, "/run/nimbus/root/proc/sys", "/run/nimbus/root/proc/sys"));
  // After /proc is mounted.
  size_t proc = 0, sys = 0;
  for (size_t i = 0; i < p.ops.size(); ++i) {
    std::string t = p.ops[i].target ? p.ops[i].target : "";
    if (t == "/run/nimbus/root/proc" && p.ops[i].kind == ChildOp::kMount) proc = i;
    if (t == "/run/nimbus/root/proc/sys") sys = i;
  }
  EXPECT_LT(proc, sys);
}

TEST(PlanTest, FindsTheProcMasksThatExist) {
  PlanContext ctx;
  FindProcMasks("/proc", ctx);
  auto has = [](const std::vector<std::string>& v, const char* s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  EXPECT_TRUE(has(ctx.proc_read_only, "sys"));
  EXPECT_FALSE(has(ctx.proc_masked_files, "sys"));
  for (const auto& name : ctx.proc_masked_dirs) EXPECT_NE(name, "keys");
}

SandboxSpec ImageSpec() {
  SandboxSpec s;
  s.argv = {"/bin/sh", "-c", "echo hi"};
  s.env = {"PATH=/usr/bin:/bin"};
  s.image = ImageRootFs{{"/img/base", "/img/app"}, "/ctr/upper", "/ctr/work"};
  s.working_dir = "/app";
  s.uid = 0;
  s.gid = 0;
  s.capabilities = kDockerDefaultCapabilities;
  return s;
}

TEST(PlanTest, BuildsAnImageRootOnAnOverlay) {
  PlanContext ctx = Ctx();
  ctx.proc_read_only = {"sys"};
  auto plan = BuildChildPlan(ImageSpec(), ctx);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const ChildPlan& p = **plan;
  ASSERT_FALSE(p.ops.empty());
  // The root itself is the overlay: the top layer first in lowerdir, then the writable upper.
  EXPECT_EQ(p.ops[0].kind, ChildOp::kMount);
  EXPECT_STREQ(p.ops[0].target, "/run/nimbus/root");
  EXPECT_STREQ(p.ops[0].fstype, "overlay");
  EXPECT_STREQ(p.ops[0].data, "lowerdir=/img/app:/img/base,upperdir=/ctr/upper,workdir=/ctr/work");
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/dev", "tmpfs"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/dev/shm", "size=64m"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/proc"));
  EXPECT_TRUE(HasOp(p, ChildOp::kBindReadOnly, "/run/nimbus/root/proc/sys"));
  // Nothing of Lambda's layout: no host /usr, no /var/task, no private /tmp.
  for (const auto& op : p.ops) {
    std::string t = op.target ? op.target : "";
    EXPECT_NE(t, "/run/nimbus/root/usr");
    EXPECT_NE(t, "/run/nimbus/root/var/task");
    EXPECT_NE(t, "/run/nimbus/root/tmp");
  }
  EXPECT_STREQ(p.workdir, "/app");
  ASSERT_EQ(p.read_only_after_pivot.size(), 1u);  // the root stays writable
  EXPECT_STREQ(p.read_only_after_pivot[0], "/dev");
  EXPECT_EQ(p.uid, 0);
  EXPECT_EQ(p.capabilities, kDockerDefaultCapabilities);
}

SandboxSpec LambdaImageSpec() {
  SandboxSpec s;
  s.argv = {"/bin/bootstrap"};
  s.env = {"PATH=/usr/bin:/bin"};
  s.image = ImageRootFs{{"/img/base", "/img/app"}, "", "", /*read_only=*/true};
  s.ephemeral_storage_mb = 600;
  return s;
}

TEST(PlanTest, BuildsAReadOnlyImageRootWithLambdasTmp) {
  PlanContext ctx = Ctx();
  ctx.image_mount_points = "/var/nimbus/mount-points";
  auto plan = BuildChildPlan(LambdaImageSpec(), ctx);
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  const ChildPlan& p = **plan;
  ASSERT_FALSE(p.ops.empty());
  // The layers under the mount points' directory, read-only, with no upper directory.
  EXPECT_EQ(p.ops[0].kind, ChildOp::kMount);
  EXPECT_STREQ(p.ops[0].target, "/run/nimbus/root");
  EXPECT_STREQ(p.ops[0].data, "lowerdir=/var/nimbus/mount-points:/img/app:/img/base");
  EXPECT_TRUE(p.ops[0].flags & MS_RDONLY);
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/tmp", "size=600m"));
  EXPECT_TRUE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/proc"));
  EXPECT_FALSE(HasOp(p, ChildOp::kMount, "/run/nimbus/root/dev/shm"));  // none on Lambda
  EXPECT_STREQ(p.workdir, "/");
  ASSERT_EQ(p.read_only_after_pivot.size(), 2u);
  EXPECT_EQ(p.uid, static_cast<int>(kLambdaUid));
  // The disk volume when there is one, as for a zip function.
  plan = BuildChildPlan(LambdaImageSpec(), ctx, 42);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(HasOp(**plan, ChildOp::kAttach, "/run/nimbus/root/tmp"));
  // An upper directory contradicts read-only; the manager must say where the mount points are.
  SandboxSpec bad = LambdaImageSpec();
  bad.image->upper_dir = "/ctr/upper";
  EXPECT_EQ(BuildChildPlan(bad, ctx).error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildChildPlan(LambdaImageSpec(), Ctx()).error().code(), StatusCode::kInternal);
}

TEST(PlanTest, ImageWorkingDirDefaultsToRootAndLambdaToVarTask) {
  SandboxSpec image = ImageSpec();
  image.working_dir.clear();
  auto plan = BuildChildPlan(image, Ctx());
  ASSERT_TRUE(plan.ok());
  EXPECT_STREQ((*plan)->workdir, "/");
  auto lambda = BuildChildPlan(BasicSpec(), Ctx());
  ASSERT_TRUE(lambda.ok());
  EXPECT_STREQ((*lambda)->workdir, "/var/task");
}

TEST(PlanTest, ProgramAsPid1AndNetworkNoneReachTheChild) {
  SandboxSpec spec = ImageSpec();
  spec.program_is_pid1 = true;
  spec.network_none = true;
  auto plan = BuildChildPlan(spec, Ctx());
  ASSERT_TRUE(plan.ok());
  ChildPlan& p = **plan;
  EXPECT_TRUE(p.loopback_up);
  SetInitArguments(p);
  EXPECT_STREQ(p.init_argv[1], "-1 -1 -1 -1 -1 1 0 0 -1 -1 1 2818844155");
}

TEST(PlanTest, RejectsBadImageSpecs) {
  SandboxSpec s = ImageSpec();
  s.code_dir = "/srv/code";  // Lambda's layout and an image at once
  EXPECT_EQ(BuildChildPlan(s, Ctx()).error().code(), StatusCode::kInvalidArgument);
  s = ImageSpec();
  s.image->layers.clear();
  EXPECT_EQ(BuildChildPlan(s, Ctx()).error().code(), StatusCode::kInvalidArgument);
  s = ImageSpec();
  s.image->layers = {"/img/a:b"};
  EXPECT_EQ(BuildChildPlan(s, Ctx()).error().code(), StatusCode::kInvalidArgument);
  s = ImageSpec();
  s.image->upper_dir = "relative";
  EXPECT_EQ(BuildChildPlan(s, Ctx()).error().code(), StatusCode::kInvalidArgument);
  s = ImageSpec();
  s.working_dir = "/app/../etc";
  EXPECT_EQ(BuildChildPlan(s, Ctx()).error().code(), StatusCode::kInvalidArgument);
  // Binds: clean absolute paths, never over / or into /proc or /dev; container roots only.
  for (const char* target : {"/", "/proc/x", "/dev", "data", "/a/../b"}) {
    s = ImageSpec();
    s.binds.push_back({"/srv/vol", target, false});
    EXPECT_EQ(BuildChildPlan(s, Ctx()).error().code(), StatusCode::kInvalidArgument) << target;
  }
  SandboxSpec lambda;
  lambda.argv = {"/var/task/bootstrap"};
  lambda.read_only_root = true;
  EXPECT_EQ(BuildChildPlan(lambda, Ctx()).error().code(), StatusCode::kInvalidArgument);
}

TEST(PlanTest, ContainerBindsAndReadOnlyRoot) {
  SandboxSpec s = ImageSpec();
  s.binds.push_back({"/srv/vol", "/data/cache", true});
  s.read_only_root = true;
  auto plan = BuildChildPlan(s, Ctx());
  ASSERT_TRUE(plan.ok()) << plan.error().ToString();
  bool bound = false;
  for (const ChildOp& op : (*plan)->ops) {
    if (op.kind == ChildOp::kBindReadOnly && std::string(op.source) == "/srv/vol") {
      bound = std::string(op.target).ends_with("/data/cache");
    }
  }
  EXPECT_TRUE(bound);
  ASSERT_EQ((*plan)->read_only_after_pivot.size(), 2u);
  EXPECT_STREQ((*plan)->read_only_after_pivot[1], "/");
}

}  // namespace
}  // namespace nimbus::sandbox
