// Execution environments for Lambda functions: a process tree in fresh mount/pid/ipc/uts
// namespaces (and the network namespace the spec names, if any), a minimal root
// file system (host /usr, /lib*, /bin, /sbin, /etc read-only, nosuid; code at /var/task, layers
// at /opt, private sized /tmp on disk, fresh /proc masked as Docker masks it, minimal /dev
// without /dev/shm), cgroup limits (memory, CPU quota, cpuset, pids) and Lambda's 1,024 open
// files. PID 1 inside is a tiny init that reaps zombies, forwards SIGTERM and friends to every
// process, and exits with the function's status.
//
// Least privilege: the function runs as the spec's uid/gid (Lambda: sbx_user1051) with only the
// spec's capabilities (Lambda: none; bounding set too), no_new_privs and a seccomp filter
// equivalent to Docker's default profile (seccomp.h). As root, nimbus also puts the function in a
// user namespace of its own (ids 0-65535 inside are SandboxManagerOptions::uid_base and up outside;
// host root is not mapped) whose capabilities reach none of the sandbox's mounts: the mount
// namespace belongs to the host's user namespace, so host paths cannot be remounted. Without a
// user namespace the same holds through the uid switch and the capability drop.
//
// Usage: create one SandboxManager at startup (it probes the kernel once and prints nothing;
// log capabilities().Describe() once), then Launch() per execution environment.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "sandbox/cgroup.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

class Cleaner;
class SandboxGroup;
struct ChildPlan;

// Lambda's sbx_user1051.
constexpr uid_t kLambdaUid = 993;
constexpr gid_t kLambdaGid = 990;
// Docker's default capability set: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID,
// SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP.
constexpr uint64_t kDockerDefaultCapabilities =
    (1ull << 0) | (1ull << 1) | (1ull << 3) | (1ull << 4) | (1ull << 5) | (1ull << 6) |
    (1ull << 7) | (1ull << 8) | (1ull << 10) | (1ull << 13) | (1ull << 18) | (1ull << 27) |
    (1ull << 29) | (1ull << 31);

// One resource limit (setrlimit: RLIMIT_NPROC, RLIMIT_CORE, ... of sys/resource.h), as Docker's
// --ulimit and ECS's ulimits set them. Raising `hard` above nimbus's own hard limit needs
// CAP_SYS_RESOURCE: without it the launch fails (Internal "setrlimit nproc: Operation not
// permitted"). `name` only names it in that message.
struct ResourceLimit {
  int resource = 0;
  uint64_t soft = 0, hard = 0;  // RLIM_INFINITY for unlimited
  std::string name;
};

// The OCI image layout of a sandbox's root (what ECS runs): the image's unpacked layer
// directories merged by overlayfs under a writable upper directory, as Docker's overlay2 does.
// When the manager runs functions in a user namespace (SandboxCapabilities::id_offset > 0), the
// layers' files must be owned by their image owner + id_offset, as Docker's userns-remap
// unpacks them, or root inside cannot write where the image gives root alone the right.
//
// `read_only`: the root as Lambda runs a container-image function instead: the layers merged
// read-only (no upper and work directories), with the Lambda layout's private /tmp of
// SandboxSpec::ephemeral_storage_mb and no /dev/shm. The image needs no /proc, /dev or /tmp of
// its own (the manager lays its mount points over it).
struct ImageRootFs {
  std::vector<std::string> layers;  // bottom (base) layer first; at least one
  std::string upper_dir;            // writable; empty at the first launch (empty when read_only)
  std::string work_dir;             // overlayfs's work directory, on upper_dir's file system
  bool read_only = false;
};

// What one sandbox runs, on which root, as whom and with which limits: the launch spec of a
// Lambda execution environment (the default layout) or of a container (`image`). Value type.
struct SandboxSpec {
  // argv[0] must be an absolute path as seen inside the sandbox (e.g. "/var/task/bootstrap");
  // no PATH search. Must not be empty.
  std::vector<std::string> argv;
  // The complete environment ("NAME=value"); nothing is inherited from nimbus.
  std::vector<std::string> env;
  // Host directory bound read-only at /var/task (the working directory). Empty: empty dir.
  std::string code_dir;
  // Host directories merged read-only at /opt in order; later layers override earlier ones
  // (overlayfs). At most 5 (as on Lambda); paths must not contain ':' or ','.
  std::vector<std::string> layer_dirs;
  // Extra read-only binds (host dir, absolute sandbox path), e.g. nimbus's language bootstraps
  // at /var/runtime. Targets must not be inside /usr, /etc, /lib*, /bin, /sbin, /proc or /dev.
  std::vector<std::pair<std::string, std::string>> extra_read_only;
  // Set: the root is this image (code_dir, layer_dirs and extra_read_only must be empty; no
  // private /tmp: the image's own; Docker's 64 MB /dev/shm; unless read_only, see ImageRootFs).
  std::optional<ImageRootFs> image;
  // Container roots (`image`, not read_only): host directories bound at absolute targets (ECS
  // mountPoints), after /dev and /proc, made in the upper dir when missing. A target must not be
  // "/" nor under /proc or /dev; the caller makes sure no component of it is a symlink in the
  // image (the mount would follow it).
  struct Bind {
    std::string host_dir, target;
    bool read_only = false;
  };
  std::vector<Bind> binds;
  // Set: the sandbox's cgroup lives inside this group's, whose limits (shared by every sandbox
  // of the group) apply on top of its own. Not owned; must outlive the Sandbox.
  const SandboxGroup* group = nullptr;
  // Container roots: the image's root remounted read-only once set up (ECS
  // readonlyRootFilesystem); binds and /dev/shm stay as they are.
  bool read_only_root = false;
  // Absolute path inside the sandbox; empty: the layout's (/var/task, or the image's "/").
  std::string working_dir;
  uint32_t memory_mb = 128;             // cgroup memory limit, swap off
  uint32_t ephemeral_storage_mb = 512;  // size of the private /tmp (disk-backed when possible)
  uint32_t pids_limit = 1024;           // processes + threads
  uint32_t open_files_limit = 1024;     // RLIMIT_NOFILE, soft and hard (0: nimbus's own)
  // Further limits, set after open_files_limit (a RLIMIT_NOFILE here replaces it).
  std::vector<ResourceLimit> resource_limits;
  // CPU: Lambda's share of a vCPU for memory_mb and its visible cores unless set. Quota in
  // thousandths of a CPU (1000: one CPU; ECS's 1024 units per vCPU convert as units*1000/1024);
  // shares as Docker's --cpu-shares (1024 per CPU; v2 cpu.weight as runc converts them); cpus a
  // cpuset (host CPU numbers).
  uint32_t cpu_millis = 0;
  uint32_t cpu_shares = 0;
  std::vector<int> cpus;
  // Network: the host's by default; a namespace of its own with only a loopback when
  // `network_none` (Docker's --network none); or the namespace `netns_fd` names (below; not
  // with network_none).
  bool network_none = false;
  // PID 1: nimbus's init (reaps zombies, forwards signals, as docker run --init) unless the
  // program itself should be (Docker's default: it then gets no signal it has no handler for).
  bool program_is_pid1 = false;
  // Who the function runs as (not honoured when nimbus is not root: then root of a user
  // namespace mapping only nimbus's uid), and its capabilities (bit N = capability N of
  // linux/capability.h: bounding set; effective and permitted only for uid 0).
  uid_t uid = kLambdaUid;
  gid_t gid = kLambdaGid;
  uint64_t capabilities = 0;
  std::string hostname = "localhost";
  // The CPU quota of memory_mb applies only from Sandbox::EndUnthrottledStart() on: Lambda runs
  // a function's Init phase with burst CPU (up to its 10 s), throttled from its first invoke.
  bool unthrottled_start = false;
  // A network namespace (an fd of /proc/<pid>/ns/net, e.g. from sandbox/netns.h) the sandbox joins
  // with setns before anything else, privileges included, is dropped; -1: the host's. Not
  // owned: the caller keeps it open until Launch returns. Joining needs CAP_SYS_ADMIN over the
  // namespace's owner (root isolation, not a user namespace): else Launch fails with Internal
  // "join network namespace: ...".
  int netns_fd = -1;
};

// A process to start inside a running sandbox (docker exec): in its namespaces and cgroup, on
// its root, under nimbus's init (which forwards SIGTERM and friends to it), with the least
// privilege a launch gets (user namespace, uid/gid, capabilities, no_new_privs, seccomp). Value
// type; what a container's own launch spec says is the natural source of every field.
struct ExecSpec {
  // argv[0] must be an absolute path inside the sandbox (no PATH search). Must not be empty.
  std::vector<std::string> argv;
  std::vector<std::string> env;   // the complete environment
  std::string working_dir = "/";  // inside the sandbox; must exist there
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t capabilities = 0;                   // as SandboxSpec::capabilities
  uint32_t open_files_limit = 0;               // RLIMIT_NOFILE soft and hard (0: nimbus's own)
  std::vector<ResourceLimit> resource_limits;  // as SandboxSpec::resource_limits
  // stdout and stderr to /dev/null instead of pipes (the result's stdout_fd()/stderr_fd() are
  // then -1): for a check whose output nobody reads, which would otherwise block on a full pipe.
  bool discard_output = false;
  // A terminal's replica side (e.g. of a pty nimbus opened; ECS Exec) as the process's stdin,
  // stdout and stderr and its controlling terminal, in a session of its own (no output pipes:
  // stdout_fd()/stderr_fd() are -1). Not owned: close your copy once Exec returned, so that
  // the master sees EOF when the process is gone. -1: no terminal.
  int terminal_fd = -1;
};

// Exit of the function process (not of init).
struct ExitStatus {
  bool exited = false;  // normal exit with `code`
  int code = 0;
  int signal = 0;  // killed by this signal when !exited
  // Go-style text as Lambda prints it after "Runtime exited with error: ": "exit status 1",
  // "signal: killed", "signal: segmentation fault".
  std::string Describe() const;
};

// Which isolation the kernel gave us. Computed once by SandboxManager.
struct SandboxCapabilities {
  enum class Isolation { kNamespaces, kUserNamespace, kNone };
  Isolation isolation = Isolation::kNone;
  CgroupVersion cgroup_version = CgroupVersion::kNone;
  bool memory_limit = false;
  bool cpu_quota = false;
  bool cpuset = false;
  bool pids_limit = false;
  bool freezer = false;         // Sandbox::Freeze works
  bool tmp_size_limit = false;  // needs a mount namespace
  // /tmp is an ext4 volume on a loop device (ENOSPC when full, page cache reclaimable under the
  // memory limit) rather than a tmpfs, whose pages count against the memory limit. Needs root,
  // loop devices and mkfs.ext4.
  bool tmp_on_disk = false;
  bool run_as_uid = false;      // SandboxSpec::uid honoured
  bool user_namespace = false;  // the function runs in a user namespace without host root
  bool seccomp = false;         // the system call filter is installed
  // Host ids = ids inside + id_offset for a sandbox's files (SandboxManagerOptions::uid_base
  // with a user namespace, else 0).
  uid_t id_offset = 0;
  int host_cpus = 0;
  // One line for the startup log, e.g. "sandbox: namespaces, cgroup v1, all limits on" or
  // "sandbox: no namespaces (not root, user namespaces denied); off: memory limit, cpu quota".
  std::string Describe() const;
};

// A running (or finished) execution environment. Not copyable or movable; owned through
// unique_ptr. Not thread-safe: use from one thread (or serialize). The destructor kills
// whatever still runs and does not block: reaping init, removing the cgroups and unmounting
// /tmp happen on the manager's cleanup thread.
class Sandbox {
 public:
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Host pid of the sandbox's init (PID 1 inside).
  pid_t pid() const { return pid_; }
  // Becomes readable when init exits (a pidfd, or a pipe on old kernels). Owned by the Sandbox;
  // valid until destruction. Suitable for an asio posix::stream_descriptor wait.
  int exit_fd() const { return exit_fd_.valid() ? exit_fd_.get() : status_fd_.get(); }
  // Read ends of the function's stdout/stderr (CLOEXEC, blocking). EOF once every process that
  // holds the write end is gone. The function blocks when the caller stops draining them.
  int stdout_fd() const { return stdout_.get(); }
  int stderr_fd() const { return stderr_.get(); }
  // Hand the read ends to the caller (the Sandbox then no longer closes them).
  UniqueFd TakeStdout() { return std::move(stdout_); }
  UniqueFd TakeStderr() { return std::move(stderr_); }

  // Sends SIGTERM to every process in the sandbox (init forwards it), and thaws a frozen
  // sandbox so that it can act on it. Non-blocking.
  void SignalTerminate();
  // Sends `sig` to the sandbox's PID 1: the program itself under SandboxSpec::program_is_pid1
  // (which, as PID 1 of its namespace, gets only signals it has a handler for, SIGKILL apart),
  // else nimbus's init, which forwards SIGTERM and friends to every process. Thaws a frozen
  // sandbox. Non-blocking; does nothing once init is reaped. (docker stop's STOPSIGNAL.)
  void Signal(int sig) { SignalAll(sig); }
  // SIGKILLs every process (init, hence the pid namespace; and the cgroup), and thaws a frozen
  // sandbox (under cgroup v1 a frozen process does not die). Non-blocking.
  void Kill();
  // Reaps init without blocking; the exit status once it has exited.
  std::optional<ExitStatus> TryWait();
  // Blocks until init exits and returns the function's exit status.
  ExitStatus Wait();
  // SignalTerminate, wait up to `grace`, then Kill; returns the exit status. Blocking.
  ExitStatus Terminate(std::chrono::milliseconds grace);

  // True when the kernel's OOM killer killed a process of this sandbox (memory limit hit).
  bool WasOomKilled() const;
  // Peak memory of the sandbox's cgroup; Unavailable without a memory cgroup or memory.peak.
  Result<uint64_t> MaxMemoryUsedBytes() const;
  // Resident memory its processes map (the sum of their RSS, /proc/<pid>/statm), page-cache
  // pages charged elsewhere included, as sampled at most 100 ms ago (a sample reads 1 + one
  // file per process: ~20 us, too much for every invoke); Unavailable without a cgroup to list
  // them. Thread-safe.
  Result<uint64_t> ResidentBytes() const;
  // Applies the CPU quota a SandboxSpec::unthrottled_start launch deferred; later calls, and
  // calls for other sandboxes, do nothing. Fails on a cgroup write error (the sandbox then
  // stays unthrottled).
  Status EndUnthrottledStart();
  // True once a fork or thread creation in the sandbox failed at its pids limit (a fork bomb):
  // whatever it left running stays, so the environment should not be reused. Thread-safe; a
  // pread per call.
  bool HitPidsLimit() const { return cgroup_ && cgroup_->PidsLimitHit(); }
  // Freeze / thaw every process (cgroup freezer; v1 freezer.state, v2 cgroup.freeze), as Lambda
  // freezes an environment between invokes. Unavailable without a freezer.
  // Thread-safe against each other and Kill/Signal (Lambda's data plane thaws without its lock).
  Status Freeze();
  Status Thaw();
  bool frozen() const { return frozen_.load(std::memory_order_acquire); }

  // The sandbox's cgroup directory for `controller` ("memory", "cpu", ...; any for v2), or ""
  // without cgroups. For diagnostics and tests.
  std::string CgroupDir(const std::string& controller) const {
    return cgroup_ ? cgroup_->Dir(controller) : "";
  }

  // Time from Launch() entry until the function process exec'd.
  std::chrono::nanoseconds launch_duration() const { return launch_duration_; }

 private:
  friend class SandboxManager;
  Sandbox() = default;
  void SignalAll(int sig);

  pid_t pid_ = -1;
  bool own_pid_namespace_ = false;
  bool reaped_ = false;
  std::atomic<bool> frozen_{false};
  ExitStatus status_;
  UniqueFd exit_fd_;    // pidfd
  UniqueFd status_fd_;  // read end: the function's raw wait status from init
  UniqueFd stdout_, stderr_;
  std::optional<SandboxCgroup> cgroup_;
  UniqueFd scratch_root_;             // the /tmp volume's root (keeps it until teardown)
  std::shared_ptr<Cleaner> cleaner_;  // finishes the teardown off the caller's thread
  std::chrono::nanoseconds launch_duration_{0};
  mutable std::atomic<int64_t> resident_sampled_ns_{0};  // steady clock; 0: never
  mutable std::atomic<uint64_t> resident_bytes_{0};
};

// Limits several sandboxes share (an ECS task's memory and cpu across its containers).
struct SandboxGroupSpec {
  uint32_t memory_mb = 0;   // hard limit of them all together, swap off; 0: none
  uint32_t cpu_millis = 0;  // CPU quota of them all (1000: one CPU); 0: none
};

// A cgroup that holds sandboxes launched with SandboxSpec::group. Made by
// SandboxManager::CreateGroup; not copyable. Destroy it after its sandboxes: its removal is
// queued on the manager's cleanup thread behind theirs. Without cgroups it is an empty shell.
// An OOM kill its limit causes shows on the victim's Sandbox::WasOomKilled.
class SandboxGroup {
 public:
  ~SandboxGroup();
  SandboxGroup(const SandboxGroup&) = delete;
  SandboxGroup& operator=(const SandboxGroup&) = delete;

 private:
  friend class SandboxManager;
  SandboxGroup() = default;
  std::string name_;  // the cgroup's name under the manager's parent
  std::optional<SandboxCgroup> cgroup_;
  std::shared_ptr<Cleaner> cleaner_;
};

struct SandboxManagerOptions {
  enum class Isolation { kAuto, kNamespaces, kUserNamespace, kNone };
  // kAuto: namespaces as root, else a user namespace when the kernel allows it, else none.
  Isolation isolation = Isolation::kAuto;
  bool use_cgroups = true;
  // Private directory for the staging mount point (created, mode 0700), and for a copy of the
  // init program when memfds cannot be executable: then it must not be on a noexec mount.
  std::string state_dir = "/tmp/nimbus-sandbox";
  // Name of the parent cgroup under each hierarchy's root.
  std::string cgroup_parent = "nimbus";
  // Tests inject a layout (e.g. a fake cgroupfs); default: HostCgroupLayout().
  std::optional<CgroupLayout> cgroup_layout;
  // A disk-backed /tmp (see SandboxCapabilities::tmp_on_disk) when the host allows it; its
  // volumes live under state_dir/scratch, which must be on a disk (not a tmpfs).
  bool disk_tmp = true;
  // As root: run functions in a user namespace mapping ids 0-65535 inside to uid_base.. outside
  // (when the kernel allows it; otherwise the uid switch alone).
  bool user_namespace = true;
  uid_t uid_base = 1'000'000'000;
};

// Launches sandboxes. Thread-safe: Launch may be called concurrently.
class SandboxManager {
 public:
  // Probes the kernel (namespaces, cgroups) and prepares state_dir and the parent cgroups.
  // Fails only when state_dir cannot be created or the sandbox's init program cannot be loaded
  // (a memfd, else under vm.memfd_noexec=2 the file state_dir/init, which fails on a noexec
  // mount: see init_image.h); missing features degrade (see capabilities).
  static Result<std::unique_ptr<SandboxManager>> Create(SandboxManagerOptions options = {});
  ~SandboxManager();

  const SandboxCapabilities& capabilities() const { return caps_; }

  // Starts an execution environment and returns once the function process has exec'd.
  // Errors: InvalidArgument (bad spec); FailedPrecondition when argv[0] cannot be exec'd inside
  // the sandbox (missing, not executable, bad interpreter: the caller answers
  // Runtime.InvalidEntrypoint), message "execve /var/task/bootstrap: No such file or directory";
  // Internal for setup failures (mounts, cgroups, clone), message naming the step.
  // Blocks for the setup time (about a millisecond; tens of ms for the first /tmp volume of a
  // new EphemeralStorage size: later volumes, and cgroups, are prepared in the background).
  Result<std::unique_ptr<Sandbox>> Launch(const SandboxSpec& spec);
  // Starts `spec` inside `target` (a sandbox this manager launched, running: not reaped) and
  // returns once the process has exec'd. The result is a Sandbox of its own (output pipes,
  // exit_fd, TryWait/Wait, Signal, Kill) that owns no cgroup: Kill and its reaping SIGKILL
  // the process and whatever it started in its process group, nothing else of the target;
  // the target's limits (memory, pids, cpu) count it. Errors as Launch: FailedPrecondition
  // when argv[0] cannot be exec'd, Internal naming the step (the target exited: "join the
  // container's namespaces" or "open /proc/<pid>/ns/..."), InvalidArgument for a bad spec,
  // Unavailable when the target has no namespaces of its own. Thread-safe as Launch, but not
  // concurrently with calls on `target` from another thread.
  Result<std::unique_ptr<Sandbox>> Exec(const Sandbox& target, const ExecSpec& spec);
  // A group for sandboxes that share `spec`'s limits. Internal on a cgroup write error; without
  // cgroups (capabilities()) a group that limits nothing.
  Result<std::unique_ptr<SandboxGroup>> CreateGroup(const SandboxGroupSpec& spec);
  // Blocks until every Sandbox destroyed so far is torn down (init reaped, cgroups removed,
  // /tmp unmounted) and no /tmp volume or cgroup is being prepared. Cgroups and volumes made
  // ahead for later launches stay until the manager is destroyed.
  void WaitForCleanup();

 private:
  SandboxManager() = default;
  // Clones the child that runs `plan` (its pipes and init's arguments filled in here) into
  // `sb`, and waits until its function exec'd or a step failed (`sb` then killed). With
  // output_fd >= 0 the function writes stdout and stderr there (no pipes).
  Status Start(ChildPlan& plan, uint64_t clone_flags, int cgroup_dir_fd, Sandbox& sb,
               int output_fd = -1);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SandboxCapabilities caps_;
};

}  // namespace nimbus::sandbox
