// SandboxManager: kernel probing, and Launch (clone of the sandbox's init).
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "sandbox/cgroup_pool.h"
#include "sandbox/child.h"
#include "sandbox/cleaner.h"
#include "sandbox/clone_on_stack.h"
#include "sandbox/init_image.h"
#include "sandbox/plan.h"
#include "sandbox/sandbox.h"
#include "sandbox/scratch.h"
#include "sandbox/seccomp.h"

NIMBUS_DEFINE_CLONE3_ON_STACK;

#if defined(__SANITIZE_ADDRESS__)
#define NIMBUS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NIMBUS_ASAN 1
#endif
#endif
#ifdef NIMBUS_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace nimbus::sandbox {
namespace {

struct CloneArgs {  // struct clone_args (linux/sched.h), v2 layout (with cgroup)
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  uint64_t set_tid, set_tid_size, cgroup;
};
constexpr uint64_t kClonePidfd = 0x1000;
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;

// fork-like clone with namespace flags; returns the pid (0 in the child) and a pidfd if any.
// With cgroup_fd >= 0 the child starts in that (v2) cgroup; fails on kernels before 5.7.
pid_t CloneProcess(uint64_t flags, int* pidfd, int cgroup_fd = -1) {
  *pidfd = -1;
  CloneArgs args{};
  args.flags = flags | kClonePidfd;
  args.pidfd = reinterpret_cast<uint64_t>(pidfd);
  args.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags |= kCloneIntoCgroup;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
  }
  long rc = ::syscall(SYS_clone3, &args, sizeof(args));
  if (rc >= 0 || errno != ENOSYS || cgroup_fd >= 0) return static_cast<pid_t>(rc);
  return static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0));
}

[[noreturn]] void RunChildEntry(void* plan) { RunChild(*static_cast<const ChildPlan*>(plan)); }

// Starts a child running RunChild(plan); returns its pid (and a pidfd if any), or -1 with errno.
// Where possible the child shares our memory (CLONE_VM) on a stack of its own while this thread
// waits, as in vfork, until it execs init or fails: the kernel copies none of nimbus's page
// tables, and nimbus's pages do not become copy-on-write for every launch. Otherwise (another
// architecture, a kernel that refuses the flags) a fork-like clone.
pid_t SpawnChild(uint64_t flags, const ChildPlan& plan, int* pidfd, int cgroup_fd = -1) {
  *pidfd = -1;
#if NIMBUS_HAVE_CLONE3_ON_STACK
  constexpr size_t kStackBytes = 256 << 10;  // RunChild needs a few KiB; sanitizers more
  void* stack = ::mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack != MAP_FAILED) {
    CloneArgs args{};
    args.flags = flags | CLONE_VM | CLONE_VFORK | kClonePidfd;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    args.stack = reinterpret_cast<uint64_t>(stack);
    args.stack_size = kStackBytes;
    if (cgroup_fd >= 0) {
      args.flags |= kCloneIntoCgroup;
      args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    long rc =
        nimbus_clone3_on_stack(&args, sizeof(args), RunChildEntry, const_cast<ChildPlan*>(&plan));
#ifdef NIMBUS_ASAN
    __asan_unpoison_memory_region(stack, kStackBytes);  // frames the child never left
#endif
    ::munmap(stack, kStackBytes);  // the child exec'd or exited: its stack is free
    if (rc >= 0) return static_cast<pid_t>(rc);
    *pidfd = -1;
    if (rc != -ENOSYS && rc != -EINVAL) {
      errno = static_cast<int>(-rc);
      return -1;
    }
  }
#endif
  pid_t pid = CloneProcess(flags, pidfd, cgroup_fd);
  if (pid == 0) RunChild(plan);
  return pid;
}

// Moves `fd` to a number >= 3 (the child's 0..2 are rebuilt) keeping CLOEXEC.
UniqueFd Above2(UniqueFd fd) {
  if (fd.get() >= 3) return fd;
  return UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
}

Result<Pipe> SafePipe(int flags = 0) {
  auto p = MakePipe(flags);
  if (!p.ok()) return p;
  p->read = Above2(std::move(p->read));
  p->write = Above2(std::move(p->write));
  if (!p->read.valid() || !p->write.valid()) return ErrnoStatus("fcntl", errno);
  return p;
}

Status MakeDirs(const std::string& path, mode_t mode) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string part = path.substr(0, i);
    if (::mkdir(part.c_str(), mode) != 0 && errno != EEXIST)
      return ErrnoStatus("mkdir " + part, errno);
  }
  return Status::Ok();
}

// Can this (unprivileged) process create user+mount+pid namespaces and mount a tmpfs?
bool ProbeUserNamespace(const std::string& staging) {
  std::string uid_map = "0 " + std::to_string(::geteuid()) + " 1";
  std::string gid_map = "0 " + std::to_string(::getegid()) + " 1";
  int pidfd;
  pid_t pid = CloneProcess(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID, &pidfd);
  if (pid < 0) return false;
  if (pid == 0) {
    auto write_file = [](const char* path, const char* s) {
      int fd = ::open(path, O_WRONLY);
      bool ok = fd >= 0 && ::write(fd, s, std::strlen(s)) == static_cast<ssize_t>(std::strlen(s));
      if (fd >= 0) ::close(fd);
      return ok;
    };
    write_file("/proc/self/setgroups", "deny");
    bool ok = write_file("/proc/self/uid_map", uid_map.c_str()) &&
              write_file("/proc/self/gid_map", gid_map.c_str()) &&
              ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
              ::mount("tmpfs", staging.c_str(), "tmpfs", 0, "size=64k") == 0;
    ::_exit(ok ? 0 : 1);
  }
  if (pidfd >= 0) ::close(pidfd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A user namespace mapping ids [0, count) inside to [base, base + count) outside (host root
// unmapped), made by a short-lived child whose maps this (root) process writes; the namespace
// lives on through the returned descriptor. Unavailable when the kernel refuses.
Result<UniqueFd> CreateUserNamespace(uid_t base, uint32_t count) {
  auto gate = MakePipe();
  if (!gate.ok()) return gate.error();
  int pidfd = -1;
  pid_t pid = CloneProcess(CLONE_NEWUSER, &pidfd);
  if (pid < 0) return ErrnoStatus("clone a user namespace", errno);
  if (pid == 0) {  // async-signal-safe only: wait until the parent is done with us
    ::close(gate->write.get());
    char c;
    while (::read(gate->read.get(), &c, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  UniqueFd pidfd_owner(pidfd);
  gate->read.reset();
  std::string proc = "/proc/" + std::to_string(pid);
  std::string map = "0 " + std::to_string(base) + " " + std::to_string(count);
  Status st = WriteFile(proc + "/uid_map", map);
  if (st.ok()) st = WriteFile(proc + "/gid_map", map);
  UniqueFd ns;
  if (st.ok()) {
    ns.reset(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) st = ErrnoStatus("open " + proc + "/ns/user", errno);
  }
  gate->write.reset();  // the child exits
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!st.ok()) return st;
  return ns;
}

}  // namespace

struct SandboxManager::Impl {
  SandboxManagerOptions options;
  PlanContext context;
  uint64_t clone_flags = 0;
  std::optional<CgroupParent> cgroups;
  std::unique_ptr<CgroupPool> cgroup_pool;  // of `cgroups`; declared after it (destroyed first)
  SandboxCgroup frozen_anchor;  // v1: keeps the kernel's freezer switched on (CreateFrozenAnchor)
  Pipe lifeline;                            // write end held here; init sees EOF when nimbus dies
  std::unique_ptr<ScratchPool> scratch;     // disk-backed /tmp volumes, when available
  std::shared_ptr<Cleaner> cleaner = std::make_shared<Cleaner>();
  UniqueFd init_program;    // the sandbox's init (init_image.h)
  UniqueFd user_namespace;  // joined by every function (as root, when the kernel allows it)
  std::mutex filters_mu;
  std::map<uint64_t, UniqueFd> filters;  // seccomp filter files by capability set

  // The filter file for `capabilities` (made on first use); -1 when it cannot be made.
  Result<int> FilterFor(uint64_t capabilities) {
    std::lock_guard<std::mutex> lock(filters_mu);
    auto it = filters.find(capabilities);
    if (it == filters.end()) {
      auto file = SeccompFilterFile(capabilities);
      if (!file.ok()) return file.error();
      it = filters.emplace(capabilities, Above2(std::move(*file))).first;
    }
    return it->second.get();
  }

  ~Impl() { (void)frozen_anchor.Remove(); }
};

namespace {

// True when `dir` is on a file system backed by memory (a volume image there would be RAM).
bool OnMemoryFs(const std::string& dir) {
  constexpr long kTmpfsMagic = 0x01021994, kRamfsMagic = 0x858458f6;
  struct statfs sf;
  return ::statfs(dir.c_str(), &sf) == 0 && (static_cast<long>(sf.f_type) == kTmpfsMagic ||
                                             static_cast<long>(sf.f_type) == kRamfsMagic);
}

}  // namespace

SandboxManager::~SandboxManager() = default;

Result<std::unique_ptr<SandboxManager>> SandboxManager::Create(SandboxManagerOptions options) {
  std::unique_ptr<SandboxManager> m(new SandboxManager());
  m->impl_ = std::make_unique<Impl>();
  Impl& impl = *m->impl_;
  impl.options = std::move(options);
  const auto& opt = impl.options;
  std::string staging = opt.state_dir + "/root";
  NIMBUS_RETURN_IF_ERROR(MakeDirs(staging, 0700));

  using Iso = SandboxManagerOptions::Isolation;
  Iso iso = opt.isolation;
  bool root = ::geteuid() == 0;
  if (iso == Iso::kAuto) {
    iso = root ? Iso::kNamespaces : ProbeUserNamespace(staging) ? Iso::kUserNamespace : Iso::kNone;
  }
  SandboxCapabilities& caps = m->caps_;
  PlanContext& ctx = impl.context;
  ctx.staging_dir = staging;
  ctx.outer_uid = ::geteuid();
  ctx.outer_gid = ::getegid();
  if (iso == Iso::kNone) {
    caps.isolation = SandboxCapabilities::Isolation::kNone;
    ctx.mount_namespace = ctx.pid_namespace = ctx.uts_namespace = false;
    ctx.allow_credentials = root;
  } else {
    impl.clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
    if (iso == Iso::kUserNamespace) {
      impl.clone_flags |= CLONE_NEWUSER;
      ctx.user_namespace = true;
      ctx.allow_credentials = false;  // only root (= our uid) is mapped
      caps.isolation = SandboxCapabilities::Isolation::kUserNamespace;
    } else {
      caps.isolation = SandboxCapabilities::Isolation::kNamespaces;
    }
    caps.tmp_size_limit = true;
  }
  if (iso == Iso::kNamespaces && opt.disk_tmp && !OnMemoryFs(opt.state_dir)) {
    ScratchPoolOptions so;
    so.dir = opt.state_dir + "/scratch";
    auto pool = ScratchPool::Create(so);
    if (pool.ok()) {
      impl.scratch = std::move(*pool);
      caps.tmp_on_disk = true;
    }
  }
  caps.run_as_uid = ctx.allow_credentials;
  if (iso == Iso::kNamespaces && opt.user_namespace) {
    auto ns = CreateUserNamespace(opt.uid_base, 65536);
    if (ns.ok()) impl.user_namespace = Above2(std::move(*ns));
  }
  caps.user_namespace = impl.user_namespace.valid() || iso == Iso::kUserNamespace;
  caps.id_offset = impl.user_namespace.valid() ? opt.uid_base : 0;
  if (ctx.mount_namespace) {
    FindProcMasks("/proc", ctx);
    ctx.empty_dir = opt.state_dir + "/empty";
    NIMBUS_RETURN_IF_ERROR(MakeDirs(ctx.empty_dir, 0555));
    ctx.image_mount_points = opt.state_dir + "/image-mount-points";
    for (const char* d : {"", "/proc", "/dev", "/tmp"}) {
      std::string dir = ctx.image_mount_points + d;
      NIMBUS_RETURN_IF_ERROR(MakeDirs(dir, 0755));
      if (root && ::chown(dir.c_str(), caps.id_offset, caps.id_offset) != 0) {
        return Status::Internal("chown " + dir + ": " + std::strerror(errno));
      }
    }
  }
  if (auto adj = ReadFile("/proc/self/oom_score_adj"); adj.ok()) {
    std::string v = *adj;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    ctx.oom_score_adj = v;
  }

  if (opt.use_cgroups) {
    CgroupLayout layout = opt.cgroup_layout ? *opt.cgroup_layout : HostCgroupLayout();
    auto parent = CgroupParent::Open(layout, opt.cgroup_parent);
    if (parent.ok()) {
      caps.cgroup_version = parent->version();
      caps.memory_limit = parent->memory();
      caps.cpu_quota = parent->cpu();
      caps.cpuset = parent->cpuset() && !parent->host_cpus().empty();
      caps.pids_limit = parent->pids();
      caps.freezer = parent->freezer();
      impl.cgroups = std::move(*parent);
      if (caps.freezer) {  // without the anchor, freezing works but costs more
        auto anchor = impl.cgroups->CreateFrozenAnchor();
        if (anchor.ok()) impl.frozen_anchor = std::move(*anchor);
      }
      impl.cgroup_pool = std::make_unique<CgroupPool>(*impl.cgroups);
    }
  }
  long ncpu = ::sysconf(_SC_NPROCESSORS_ONLN);
  caps.host_cpus = impl.cgroups && !impl.cgroups->host_cpus().empty()
                       ? static_cast<int>(impl.cgroups->host_cpus().size())
                       : static_cast<int>(ncpu > 0 ? ncpu : 1);

  auto filter = impl.FilterFor(0);  // Lambda's: made now, so that a failure shows at start
  if (!filter.ok()) return filter.error();
  caps.seccomp = true;
  auto init = LoadInitProgram(opt.state_dir);
  if (!init.ok()) return init.error();
  impl.init_program = Above2(std::move(*init));
  auto lifeline = SafePipe();
  if (!lifeline.ok()) return lifeline.error();
  impl.lifeline = std::move(*lifeline);
  return m;
}

Result<std::unique_ptr<Sandbox>> SandboxManager::Launch(const SandboxSpec& spec) {
  auto start = std::chrono::steady_clock::now();
  Impl& impl = *impl_;
  // A ready disk volume for /tmp (a tmpfs should none be available, e.g. the disk is full).
  ScratchVolume tmp;
  if (impl.scratch && impl.context.mount_namespace && spec.ephemeral_storage_mb > 0 &&
      (!spec.image || spec.image->read_only)) {
    if (auto v = impl.scratch->Take(spec.ephemeral_storage_mb); v.ok()) tmp = std::move(*v);
  }
  if (tmp.mount.valid()) tmp.mount = Above2(std::move(tmp.mount));
  uint64_t clone_flags = impl.clone_flags;
  if (spec.network_none) {  // a namespace of its own: only a loopback (up)
    if (clone_flags == 0) return Status::Unavailable("network none needs namespaces");
    clone_flags |= CLONE_NEWNET;
  }
  auto plan_or = BuildChildPlan(spec, impl.context, tmp.mount.valid() ? tmp.mount.get() : -1);
  if (!plan_or.ok()) return plan_or.error();
  ChildPlan& plan = **plan_or;
  std::unique_ptr<Sandbox> sb(new Sandbox());
  sb->own_pid_namespace_ = impl.context.pid_namespace;
  sb->cleaner_ = impl.cleaner;

  PreparedCgroup cg;  // its descriptors are closed once the child runs
  if (impl.cgroups) {
    CgroupKey key{spec.memory_mb,  spec.pids_limit, spec.unthrottled_start,
                  spec.cpu_millis, spec.cpu_shares, spec.cpus};
    auto taken = spec.group && spec.group->cgroup_
                     ? impl.cgroup_pool->TakeUnder(spec.group->name_, std::move(key))
                     : impl.cgroup_pool->Take(std::move(key));
    if (!taken.ok()) return Status::Internal("cgroup: " + taken.error().message());
    cg = std::move(*taken);
    sb->cgroup_ = std::move(cg.cgroup);
    plan.cgroup_namespace = impl.clone_flags != 0;
    for (const auto& fd : cg.procs) plan.cgroup_procs_fds.push_back(fd.get());
  }
  // The child attaches /tmp before it reports: from then on its mount namespace (and the root
  // descriptor) hold the volume.
  sb->scratch_root_ = std::move(tmp.root);
  NIMBUS_RETURN_IF_ERROR(Start(plan, clone_flags, cg.dir.valid() ? cg.dir.get() : -1, *sb));
  sb->launch_duration_ = std::chrono::steady_clock::now() - start;
  return sb;
}

Result<std::unique_ptr<Sandbox>> SandboxManager::Exec(const Sandbox& target, const ExecSpec& spec) {
  Impl& impl = *impl_;
  if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/') {
    return Status::InvalidArgument("exec: argv[0] must be an absolute path");
  }
  if (!impl.context.mount_namespace || !target.own_pid_namespace_) {
    return Status::Unavailable("exec needs a sandbox with namespaces of its own");
  }
  if (target.reaped_) return Status::Internal("exec: the sandbox has exited");
  auto plan_ptr = std::make_unique<ChildPlan>();
  ChildPlan& plan = *plan_ptr;
  std::vector<UniqueFd> held;  // namespace and cgroup descriptors, open until the child runs
  std::string proc = "/proc/" + std::to_string(target.pid_) + "/ns/";
  // The mount namespace last: the others are found by descriptor, but it changes the root.
  for (const char* ns : {"ipc", "uts", "net", "cgroup", "pid", "mnt"}) {
    UniqueFd fd(::open((proc + ns).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      if (std::string(ns) == "cgroup" && errno == ENOENT) continue;
      return ErrnoStatus("open " + proc + ns, errno);
    }
    held.push_back(Above2(std::move(fd)));
    plan.join_namespace_fds.push_back(held.back().get());
  }
  if (target.cgroup_) {
    for (const std::string& file : target.cgroup_->procs_files()) {
      UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd.valid()) return ErrnoStatus("open " + file, errno);
      held.push_back(Above2(std::move(fd)));
      plan.cgroup_procs_fds.push_back(held.back().get());
    }
  }
  for (const std::string& a : spec.argv) plan.argv.push_back(const_cast<char*>(plan.Keep(a)));
  plan.argv.push_back(nullptr);
  for (const std::string& e : spec.env) plan.envp.push_back(const_cast<char*>(plan.Keep(e)));
  plan.envp.push_back(nullptr);
  plan.workdir = plan.Keep(spec.working_dir.empty() ? "/" : spec.working_dir);
  plan.uid = impl.context.allow_credentials ? static_cast<int>(spec.uid) : -1;
  plan.gid = impl.context.allow_credentials ? static_cast<int>(spec.gid) : -1;
  plan.capabilities = spec.capabilities;
  plan.open_files_limit = spec.open_files_limit;
  SetResourceLimits(plan, spec.resource_limits);
  if (!impl.context.oom_score_adj.empty()) {
    plan.oom_score_adj = plan.Keep(impl.context.oom_score_adj);
  }
  // init outside the sandbox's pid namespace (it signals its own process group, never the
  // namespace), its function process inside.
  plan.pid_namespace = false;
  std::unique_ptr<Sandbox> sb(new Sandbox());
  sb->own_pid_namespace_ = false;
  sb->cleaner_ = impl.cleaner;
  UniqueFd null, terminal;
  if (spec.terminal_fd >= 0) {  // stdin, stdout and stderr; a copy >= 3 (the child's 0-2 are rebuilt)
    terminal = Above2(UniqueFd(::fcntl(spec.terminal_fd, F_DUPFD_CLOEXEC, 3)));
    if (!terminal.valid()) return ErrnoStatus("dup terminal", errno);
    plan.stdin_fd = terminal.get();
    plan.terminal = true;
  } else if (spec.discard_output) {
    null = Above2(UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC)));
    if (!null.valid()) return ErrnoStatus("open /dev/null", errno);
  }
  int output = terminal.valid() ? terminal.get() : null.valid() ? null.get() : -1;
  NIMBUS_RETURN_IF_ERROR(Start(plan, 0, -1, *sb, output));
  return sb;
}

Result<std::unique_ptr<SandboxGroup>> SandboxManager::CreateGroup(const SandboxGroupSpec& spec) {
  Impl& impl = *impl_;
  std::unique_ptr<SandboxGroup> group(new SandboxGroup());
  group->cleaner_ = impl.cleaner;
  if (!impl.cgroups) return group;
  static std::atomic<uint64_t> sequence{0};
  group->name_ = OwnerTag() + "-g" + std::to_string(++sequence);
  CgroupLimits limits;
  limits.memory_bytes = uint64_t{spec.memory_mb} << 20;
  if (spec.cpu_millis > 0) limits.cpu = CpuQuotaForMillis(spec.cpu_millis);
  auto cg = impl.cgroups->Create(group->name_, limits);
  if (!cg.ok()) return Status::Internal("cgroup: " + cg.error().message());
  group->cgroup_ = std::move(*cg);
  return group;
}

Status SandboxManager::Start(ChildPlan& plan, uint64_t clone_flags, int cgroup_dir_fd, Sandbox& sb,
                             int output_fd) {
  Impl& impl = *impl_;
  Result<Pipe> out = Pipe{}, err = Pipe{};
  if (output_fd < 0) {
    out = SafePipe();
    err = SafePipe();
  }
  auto report = SafePipe();
  auto status = SafePipe();
  for (auto* p : {&out, &err, &report, &status}) {
    if (!p->ok()) return Status::Internal(p->error().message());
  }
  plan.stdout_fd = output_fd >= 0 ? output_fd : out->write.get();
  plan.stderr_fd = output_fd >= 0 ? output_fd : err->write.get();
  plan.report_fd = report->write.get();
  plan.status_fd = status->write.get();
  plan.lifeline_fd = impl.lifeline.read.get();

  plan.init_fd = impl.init_program.get();
  plan.user_namespace_fd = impl.user_namespace.get();
  auto filter = impl.FilterFor(plan.capabilities);
  if (!filter.ok()) return Status::Internal("seccomp: " + filter.error().message());
  plan.seccomp_fd = *filter;
  SetInitArguments(plan);

  // Signals stay blocked in the child until init's function process unblocks them: no handler of
  // nimbus's runs in it.
  sigset_t all, old_mask;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old_mask);
  int pidfd = -1;
  pid_t pid = -1;
  if (cgroup_dir_fd >= 0) {
    // Start the child inside its (v2) cgroup: no migration (which costs a threadgroup rwsem).
    std::vector<int> join = std::move(plan.cgroup_procs_fds);
    plan.cgroup_procs_fds.clear();
    pid = SpawnChild(clone_flags, plan, &pidfd, cgroup_dir_fd);
    if (pid < 0) plan.cgroup_procs_fds = std::move(join);
  }
  if (pid < 0) pid = SpawnChild(clone_flags, plan, &pidfd);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (pid < 0) return Status::Internal(std::string("clone: ") + std::strerror(clone_errno));
  sb.pid_ = pid;
  sb.exit_fd_.reset(pidfd);
  out->write.reset();
  err->write.reset();
  report->write.reset();
  status->write.reset();
  ::fcntl(status->read.get(), F_SETFL, O_NONBLOCK);
  sb.status_fd_ = std::move(status->read);
  sb.stdout_ = std::move(out->read);
  sb.stderr_ = std::move(err->read);

  // EOF on the report pipe: the function exec'd. A ChildReport: a step failed.
  ChildReport rep{0, 0};
  size_t got = 0;
  for (;;) {
    struct pollfd pfd = {report->read.get(), POLLIN, 0};
    int pr = ::poll(&pfd, 1, 10000);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      sb.Kill();
      return Status::Internal("sandbox setup timed out");
    }
    ssize_t n = ::read(report->read.get(), reinterpret_cast<char*>(&rep) + got, sizeof(rep) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
    if (got == sizeof(rep)) break;
  }
  if (got == sizeof(rep)) {
    std::string what = DescribeChildStage(plan, rep.stage) + ": " + std::strerror(rep.error);
    sb.Kill();
    sb.Wait();
    if (rep.stage == kStageExec) return Status::FailedPrecondition(what);
    return Status::Internal(what);
  }
  return Status::Ok();
}

void SandboxManager::WaitForCleanup() {
  impl_->cleaner->Flush();
  if (impl_->cgroup_pool) impl_->cgroup_pool->WaitIdle();
  if (impl_->scratch) impl_->scratch->WaitIdle();
}

}  // namespace nimbus::sandbox
