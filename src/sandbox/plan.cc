#include "sandbox/plan.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nimbus::sandbox {
namespace {

constexpr const char* kHostDirs[] = {"usr",    "lib", "lib32", "lib64",
                                     "libx32", "bin", "sbin",  "etc"};
constexpr const char* kDevices[] = {"null", "zero", "full", "random", "urandom"};
constexpr const char* kReservedTargets[] = {"/usr", "/lib",      "/lib32", "/lib64", "/libx32",
                                            "/bin", "/sbin",     "/etc",   "/proc",  "/dev",
                                            "/tmp", "/var/task", "/opt"};

bool HasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

// Absolute, no empty/"."/".." components, no trailing slash.
bool IsCleanAbsolute(const std::string& p) {
  if (p.size() < 2 || p[0] != '/' || p.back() == '/' || HasNul(p)) return false;
  size_t i = 1;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string part = p.substr(i, j - i);
    if (part.empty() || part == "." || part == "..") return false;
    i = j + 1;
  }
  return true;
}

bool IsUnder(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

Status ValidateSpec(const SandboxSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/') {
    return Status::InvalidArgument("argv[0] must be an absolute path inside the sandbox");
  }
  for (const auto& a : spec.argv) {
    if (HasNul(a)) return Status::InvalidArgument("argv contains a NUL byte");
  }
  for (const auto& e : spec.env) {
    if (HasNul(e) || e.find('=') == std::string::npos || e[0] == '=') {
      return Status::InvalidArgument("environment entries must be NAME=value");
    }
  }
  if (!spec.code_dir.empty() && !IsCleanAbsolute(spec.code_dir)) {
    return Status::InvalidArgument("code_dir must be a clean absolute path");
  }
  if (spec.layer_dirs.size() > 5) return Status::InvalidArgument("at most 5 layers");
  for (const auto& l : spec.layer_dirs) {
    if (!IsCleanAbsolute(l) || l.find_first_of(":,\\") != std::string::npos) {
      return Status::InvalidArgument("layer dirs must be clean absolute paths without : , \\");
    }
  }
  for (const auto& [host, target] : spec.extra_read_only) {
    if (!IsCleanAbsolute(host) || !IsCleanAbsolute(target)) {
      return Status::InvalidArgument("extra binds need clean absolute paths");
    }
    for (const char* r : kReservedTargets) {
      if (IsUnder(target, r) || IsUnder(r, target)) {
        return Status::InvalidArgument("extra bind target collides with " + std::string(r));
      }
    }
  }
  if (spec.image) {
    const ImageRootFs& image = *spec.image;
    if (!spec.code_dir.empty() || !spec.layer_dirs.empty() || !spec.extra_read_only.empty()) {
      return Status::InvalidArgument("an image root takes no code dir, layers or extra binds");
    }
    if (image.layers.empty()) return Status::InvalidArgument("an image needs a layer");
    for (const auto& d : image.layers) {
      if (!IsCleanAbsolute(d) || d.find_first_of(":,\\") != std::string::npos) {
        return Status::InvalidArgument("image layers must be clean absolute paths without : , \\");
      }
    }
    for (const auto* d : {&image.upper_dir, &image.work_dir}) {
      if (image.read_only && !d->empty()) {
        return Status::InvalidArgument("a read-only image root takes no upper or work dir");
      }
      if (!image.read_only &&
          (!IsCleanAbsolute(*d) || d->find_first_of(":,\\") != std::string::npos)) {
        return Status::InvalidArgument("image upper and work dirs must be clean absolute paths");
      }
    }
  }
  bool container = spec.image && !spec.image->read_only;
  if ((!spec.binds.empty() || spec.read_only_root) && !container) {
    return Status::InvalidArgument("binds and a read-only root are for container roots");
  }
  for (const auto& bind : spec.binds) {
    if (!IsCleanAbsolute(bind.host_dir) || !IsCleanAbsolute(bind.target) || bind.target == "/" ||
        IsUnder(bind.target, "/proc") || IsUnder(bind.target, "/dev")) {
      return Status::InvalidArgument("bad bind " + bind.host_dir + " -> " + bind.target);
    }
  }
  if (!spec.working_dir.empty() && spec.working_dir != "/" && !IsCleanAbsolute(spec.working_dir)) {
    return Status::InvalidArgument("working_dir must be a clean absolute path");
  }
  if (spec.network_none && spec.netns_fd >= 0) {
    return Status::InvalidArgument("network none and a network namespace to join exclude each other");
  }
  if (spec.memory_mb == 0 || spec.ephemeral_storage_mb == 0) {
    return Status::InvalidArgument("memory and ephemeral storage must be positive");
  }
  if (HasNul(spec.hostname) || spec.hostname.size() > 64) {
    return Status::InvalidArgument("bad hostname");
  }
  return Status::Ok();
}

// Appends the file-system steps of a root under ctx.staging_dir to a plan.
struct RootBuilder {
  ChildPlan& p;
  const PlanContext& ctx;
  std::string root;  // the staging directory
  std::string host;  // prefix of host paths ("" for "/")

  const char* At(const std::string& rel) { return p.Keep(root + rel); }
  void Add(ChildOp op) { p.ops.push_back(op); }
  void Mkdir(const std::string& rel, unsigned mode = 0755) {
    Add({ChildOp::kMkdir, nullptr, At(rel), nullptr, nullptr, 0, mode});
  }
  void BindReadOnly(const std::string& src, const std::string& rel) {
    Add({ChildOp::kBindReadOnly, p.Keep(src), At(rel)});
  }
  // A host directory at `target` (its missing directories made first).
  void Bind(const std::string& src, const std::string& target, bool read_only) {
    for (size_t i = 1; i <= target.size(); ++i) {
      if (i == target.size() || target[i] == '/') Mkdir(target.substr(0, i));
    }
    if (read_only) {
      BindReadOnly(src, target);
    } else {
      Add({ChildOp::kMount, p.Keep(src), At(target), nullptr, nullptr, MS_BIND | MS_REC});
    }
  }
  void Tmpfs(const std::string& rel, unsigned long flags, const std::string& data) {
    Add({ChildOp::kMount, p.Keep("tmpfs"), At(rel), p.Keep("tmpfs"), p.Keep(data), flags});
  }
  // overlayfs "lowerdir=" option for `dirs` given bottom first (the option lists the top first).
  static std::string LowerDirs(const std::vector<std::string>& dirs) {
    std::string lower = "lowerdir=";
    for (size_t i = dirs.size(); i-- > 0;) {
      lower += dirs[i];
      if (i > 0) lower += ':';
    }
    return lower;
  }

  // Lambda: a small read-only tmpfs holding the host's /usr, /lib*, /bin, /sbin, /etc
  // (read-only binds), the code at /var/task, layers at /opt, extra binds and a private /tmp.
  void LambdaRoot(const SandboxSpec& spec, int tmp_mount_fd) {
    Tmpfs("", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755");
    for (const char* d : kHostDirs) {
      std::string src = host + "/" + d;
      struct stat st;
      if (::lstat(src.c_str(), &st) != 0) continue;
      if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        ssize_t n = ::readlink(src.c_str(), buf, sizeof(buf) - 1);
        if (n <= 0) continue;
        Add({ChildOp::kSymlink, p.Keep(std::string(buf, static_cast<size_t>(n))),
             At(std::string("/") + d)});
      } else if (S_ISDIR(st.st_mode)) {
        Mkdir(std::string("/") + d);
        BindReadOnly(src, std::string("/") + d);
      }
    }
    for (const char* d : {"/var", "/var/task", "/opt", "/tmp", "/proc", "/dev"}) Mkdir(d);
    if (!spec.code_dir.empty()) BindReadOnly(spec.code_dir, "/var/task");
    if (spec.layer_dirs.size() == 1) {
      BindReadOnly(spec.layer_dirs[0], "/opt");
    } else if (spec.layer_dirs.size() > 1) {
      Add({ChildOp::kMount, p.Keep("overlay"), At("/opt"), p.Keep("overlay"),
           p.Keep(LowerDirs(spec.layer_dirs)), MS_RDONLY | MS_NOSUID | MS_NODEV});
    }
    for (const auto& [src, target] : spec.extra_read_only) {
      for (size_t i = 1; i <= target.size(); ++i) {
        if (i == target.size() || target[i] == '/') Mkdir(target.substr(0, i));
      }
      BindReadOnly(src, target);
    }
    PrivateTmp(spec, tmp_mount_fd);
  }

  // Lambda's /tmp: the disk volume `tmp_mount_fd` when there is one, else a tmpfs, both of
  // spec.ephemeral_storage_mb.
  void PrivateTmp(const SandboxSpec& spec, int tmp_mount_fd) {
    if (tmp_mount_fd < 0) {
      Tmpfs("/tmp", MS_NOSUID | MS_NODEV,
            "size=" + std::to_string(spec.ephemeral_storage_mb) + "m,mode=1777");
    } else {  // the volume is nosuid,nodev already
      Add({ChildOp::kAttach, nullptr, At("/tmp"), nullptr, nullptr, 0, 0, tmp_mount_fd});
      p.tmp_mount_fd = tmp_mount_fd;
    }
  }

  // A Lambda container-image function's root: the layers merged read-only under the mount
  // points' directory, and the private /tmp.
  void ReadOnlyImageRoot(const SandboxSpec& spec, int tmp_mount_fd) {
    std::vector<std::string> lower = spec.image->layers;
    lower.push_back(ctx.image_mount_points);
    Add({ChildOp::kMount, p.Keep("overlay"), At(""), p.Keep("overlay"), p.Keep(LowerDirs(lower)),
         MS_RDONLY | MS_NOSUID | MS_NODEV});
    PrivateTmp(spec, tmp_mount_fd);
  }

  // An OCI image: its layers merged by overlayfs under a writable upper directory, as Docker's
  // overlay2 driver does; /proc and /dev made in it when the image lacks them.
  void ImageRoot(const ImageRootFs& image) {
    std::string options =
        LowerDirs(image.layers) + ",upperdir=" + image.upper_dir + ",workdir=" + image.work_dir;
    Add({ChildOp::kMount, p.Keep("overlay"), At(""), p.Keep("overlay"), p.Keep(options),
         MS_NOSUID | MS_NODEV});
    for (const char* d : {"/proc", "/dev"}) Mkdir(d);
  }

  // A minimal /dev (null, zero, full, random, urandom, the fd links; a container also gets
  // Docker's 64 MB /dev/shm) and a fresh /proc masked as Docker masks it.
  void DevAndProc(bool image) {
    Tmpfs("/dev", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755");
    for (const char* d : kDevices) {
      std::string rel = std::string("/dev/") + d;
      Add({ChildOp::kTouch, nullptr, At(rel)});
      Add({ChildOp::kMount, p.Keep(host + rel), At(rel), nullptr, nullptr, MS_BIND});
    }
    Add({ChildOp::kSymlink, p.Keep("/proc/self/fd"), At("/dev/fd")});
    Add({ChildOp::kSymlink, p.Keep("/proc/self/fd/0"), At("/dev/stdin")});
    Add({ChildOp::kSymlink, p.Keep("/proc/self/fd/1"), At("/dev/stdout")});
    Add({ChildOp::kSymlink, p.Keep("/proc/self/fd/2"), At("/dev/stderr")});
    if (image) {
      Mkdir("/dev/shm", 01777);
      Tmpfs("/dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64m,mode=1777");
    }
    Add({ChildOp::kMount, p.Keep("proc"), At("/proc"), p.Keep("proc"), nullptr,
         MS_NOSUID | MS_NODEV | MS_NOEXEC});
    for (const auto& name : ctx.proc_masked_files) {
      Add({ChildOp::kMount, p.Keep(host + "/dev/null"), At("/proc/" + name), nullptr, nullptr,
           MS_BIND});
    }
    for (const auto& name : ctx.proc_masked_dirs) {
      if (ctx.empty_dir.empty()) break;
      BindReadOnly(ctx.empty_dir, "/proc/" + name);
    }
    for (const auto& name : ctx.proc_read_only) {
      BindReadOnly(root + "/proc/" + name, "/proc/" + name);
    }
  }
};

}  // namespace

Result<std::unique_ptr<ChildPlan>> BuildChildPlan(const SandboxSpec& spec, const PlanContext& ctx,
                                                  int tmp_mount_fd) {
  NIMBUS_RETURN_IF_ERROR(ValidateSpec(spec));
  auto plan = std::make_unique<ChildPlan>();
  ChildPlan& p = *plan;
  p.mount_namespace = ctx.mount_namespace;
  p.pid_namespace = ctx.pid_namespace;
  p.user_namespace = ctx.user_namespace;
  if (ctx.user_namespace) {
    p.uid_map = p.Keep("0 " + std::to_string(ctx.outer_uid) + " 1");
    p.gid_map = p.Keep("0 " + std::to_string(ctx.outer_gid) + " 1");
  }
  if (!ctx.oom_score_adj.empty()) p.oom_score_adj = p.Keep(ctx.oom_score_adj);
  if (ctx.allow_credentials) {
    p.uid = static_cast<int>(spec.uid);
    p.gid = static_cast<int>(spec.gid);
  }
  p.capabilities = spec.capabilities;
  p.program_is_pid1 = spec.program_is_pid1;
  p.loopback_up = spec.network_none;
  if (ctx.uts_namespace) p.hostname = p.Keep(spec.hostname);
  p.open_files_limit = spec.open_files_limit;
  SetResourceLimits(p, spec.resource_limits);
  p.netns_fd = spec.netns_fd;
  for (const auto& a : spec.argv) p.argv.push_back(const_cast<char*>(p.Keep(a)));
  p.argv.push_back(nullptr);
  for (const auto& e : spec.env) p.envp.push_back(const_cast<char*>(p.Keep(e)));
  p.envp.push_back(nullptr);

  if (!ctx.mount_namespace) {
    std::string dir = !spec.working_dir.empty() ? spec.working_dir : spec.code_dir;
    p.workdir = dir.empty() ? nullptr : p.Keep(dir);
    return plan;
  }
  if (!IsCleanAbsolute(ctx.staging_dir)) return Status::Internal("bad staging dir");
  RootBuilder b{p, ctx, ctx.staging_dir, ctx.host_root == "/" ? "" : ctx.host_root};
  p.new_root = p.Keep(b.root);
  bool container = spec.image && !spec.image->read_only;
  if (container) {
    b.ImageRoot(*spec.image);
  } else if (spec.image) {
    if (!IsCleanAbsolute(ctx.image_mount_points)) return Status::Internal("no image mount points");
    b.ReadOnlyImageRoot(spec, tmp_mount_fd);
  } else {
    b.LambdaRoot(spec, tmp_mount_fd);
  }
  b.DevAndProc(container);
  if (container) {
    for (const auto& bind : spec.binds) b.Bind(bind.host_dir, bind.target, bind.read_only);
    p.read_only_after_pivot = {p.Keep("/dev")};  // the root is the image's writable overlay
    if (spec.read_only_root) p.read_only_after_pivot.push_back(p.Keep("/"));
    p.workdir = p.Keep(spec.working_dir.empty() ? "/" : spec.working_dir);
  } else {
    p.read_only_after_pivot = {p.Keep("/dev"), p.Keep("/")};
    std::string fallback = spec.image ? "/" : "/var/task";
    p.workdir = p.Keep(spec.working_dir.empty() ? fallback : spec.working_dir);
  }
  return plan;
}

void FindProcMasks(const std::string& proc, PlanContext& ctx) {
  // Docker's masked and read-only paths under /proc (moby's oci defaults).
  constexpr const char* kMasked[] = {"asound",      "acpi",          "kcore",
                                     "keys",        "latency_stats", "timer_list",
                                     "timer_stats", "sched_debug",   "scsi"};
  constexpr const char* kReadOnly[] = {"bus", "fs", "irq", "sys", "sysrq-trigger"};
  ctx.proc_masked_files.clear();
  ctx.proc_masked_dirs.clear();
  ctx.proc_read_only.clear();
  for (const char* name : kMasked) {
    struct stat st;
    if (::lstat((proc + "/" + name).c_str(), &st) != 0) continue;
    (S_ISDIR(st.st_mode) ? ctx.proc_masked_dirs : ctx.proc_masked_files).emplace_back(name);
  }
  for (const char* name : kReadOnly) {
    struct stat st;
    if (::lstat((proc + "/" + name).c_str(), &st) == 0) ctx.proc_read_only.emplace_back(name);
  }
}

void SetResourceLimits(ChildPlan& p, const std::vector<ResourceLimit>& limits) {
  for (const ResourceLimit& l : limits) {
    p.resource_limits.push_back({l.resource, l.soft, l.hard, p.Keep(l.name)});
  }
}

void SetInitArguments(ChildPlan& p) {
  std::string config;
  for (int v :
       {p.stdout_fd, p.stderr_fd, p.report_fd, p.status_fd, p.lifeline_fd, p.pid_namespace ? 1 : 0,
        p.uid, p.gid, p.user_namespace_fd, p.seccomp_fd, p.program_is_pid1 ? 1 : 0}) {
    config += std::to_string(v) + " ";
  }
  config += std::to_string(p.capabilities);
  if (p.stdin_fd >= 0) config += " " + std::to_string(p.stdin_fd) + (p.terminal ? " 1" : " 0");
  p.init_argv = {const_cast<char*>(p.Keep("init")), const_cast<char*>(p.Keep(config)),
                 const_cast<char*>(p.Keep(p.oom_score_adj ? p.oom_score_adj : ""))};
  for (char* a : p.argv) p.init_argv.push_back(a);  // ends with its nullptr
}

std::string DescribeChildStage(const ChildPlan& plan, int32_t stage) {
  if (stage >= 0 && static_cast<size_t>(stage) < plan.ops.size()) {
    const ChildOp& op = plan.ops[static_cast<size_t>(stage)];
    std::string target = op.target ? op.target : "";
    if (plan.new_root && target.rfind(plan.new_root, 0) == 0) {
      target = target.substr(std::string(plan.new_root).size());
      if (target.empty()) target = "/";
    }
    std::string src = op.source ? op.source : "";
    switch (op.kind) {
      case ChildOp::kMkdir:
        return "mkdir " + target;
      case ChildOp::kSymlink:
        return "symlink " + target;
      case ChildOp::kTouch:
        return "create " + target;
      case ChildOp::kMount:
        return "mount " + (op.fstype ? std::string(op.fstype) : "bind " + src) + " on " + target;
      case ChildOp::kBindReadOnly:
        return "bind " + src + " read-only on " + target;
      case ChildOp::kRemountReadOnly:
        return "remount read-only " + target;
      case ChildOp::kAttach:
        return "attach the /tmp volume on " + target;
    }
  }
  switch (stage) {
    case kStageExec:
      return "execve " + std::string(plan.argv.empty() || !plan.argv[0] ? "" : plan.argv[0]);
    case kStageCgroup:
      return "join cgroup";
    case kStageUserNs:
      return "write uid_map/gid_map";
    case kStagePivot:
      return "pivot_root";
    case kStageHostname:
      return "sethostname";
    case kStageChdir:
      return "chdir " + std::string(plan.workdir ? plan.workdir : "");
    case kStageCredentials:
      return "set uid/gid";
    case kStageFork:
      return "fork the function process";
    case kStageFds:
      return "set up stdio";
    case kStageSignals:
      return "signalfd";
    case kStagePrivate:
      return "make mounts private";
    case kStageInit:
      return "exec the sandbox init";
    case kStageNetwork:
      return "join network namespace";
    case kStageUserNsJoin:
      return "join the user namespace";
    case kStageCapabilities:
      return "drop capabilities";
    case kStageSeccomp:
      return "install the seccomp filter";
    case kStageLoopback:
      return "bring the loopback up";
    case kStageJoin:
      return "join the container's namespaces";
    default:
      if (stage <= kStageLimitBase &&
          static_cast<size_t>(kStageLimitBase - stage) < plan.resource_limits.size()) {
        return "setrlimit " +
               std::string(plan.resource_limits[static_cast<size_t>(kStageLimitBase - stage)].name);
      }
      return "sandbox setup";
  }
}

}  // namespace nimbus::sandbox
