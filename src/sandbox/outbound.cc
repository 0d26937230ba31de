// PastaOutbound: pasta --config-net on a bind mount of the namespace (this pasta cannot open a
// /proc/<pid>/ns/net path once it has isolated itself), in the foreground so nimbus owns it.
#include "sandbox/outbound.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "sandbox/fd.h"

namespace nimbus::sandbox {
namespace {

using namespace std::chrono_literals;

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

// Removes the namespace bind mount and pasta's files named after `base`.
void RemoveFiles(const std::string& base) {
  ::umount2(base.c_str(), MNT_DETACH);
  ::unlink(base.c_str());
  ::unlink((base + ".pid").c_str());
  ::unlink((base + ".log").c_str());
}

// Waits up to `grace` for `pid` to exit, then SIGKILLs and reaps it.
void Reap(pid_t pid, std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = ::waitpid(pid, nullptr, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(5ms);
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

class PastaLink : public OutboundLink {
 public:
  PastaLink(pid_t pid, std::string base) : pid_(pid), base_(std::move(base)) {}
  ~PastaLink() override {
    ::kill(pid_, SIGTERM);
    Reap(pid_, 1000ms);
    RemoveFiles(base_);
  }

 private:
  pid_t pid_;
  std::string base_;
};

class Pasta : public Outbound {
 public:
  Pasta(std::string binary, std::string dir, std::string ns_ifname)
      : binary_(std::move(binary)), dir_(std::move(dir)), ns_ifname_(std::move(ns_ifname)) {}

  Result<std::unique_ptr<OutboundLink>> Connect(int netns) override {
    std::string base = dir_ + "/" + OwnerTag() + "-" + std::to_string(next_.fetch_add(1));
    UniqueFd target(::open(base.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!target.valid()) return Unavailable(ErrnoStatus("create " + base, errno).message(), base);
    target.reset();
    std::string source = "/proc/self/fd/" + std::to_string(netns);
    if (::mount(source.c_str(), base.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return Unavailable(ErrnoStatus("bind the namespace on " + base, errno).message(), base);
    }
    std::vector<std::string> args = {
        binary_, "--config-net", "--foreground", "--runas", "0",          "--netns", base,
        "-t",    "none",         "-u",           "none",    "-T",         "none",    "-U",
        "none",  "--no-map-gw",  "--quiet",      "--pid",   base + ".pid"};
    if (!ns_ifname_.empty()) args.insert(args.end(), {"--ns-ifname", ns_ifname_});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string log = base + ".log";
    char* empty_env[] = {nullptr};
    // fork and exec rather than posix_spawn, to give pasta a parent-death signal: it dies with
    // nimbus, even with a nimbus killed by SIGKILL (else it lives on, holding its namespace,
    // until the next start removes its link). Only async-signal-safe calls after the fork.
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
      // Default dispositions and no blocked signal: pasta refuses to start with SIGPIPE
      // ignored, as nimbus has it.
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      for (int sig = 1; sig < NSIG; ++sig) (void)::sigaction(sig, &dfl, nullptr);
      sigset_t none;
      sigemptyset(&none);
      (void)::sigprocmask(SIG_SETMASK, &none, nullptr);
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) {
        ::_exit(127);
      }
      // Nothing else of nimbus's: Asio opens its sockets without close-on-exec, and a client
      // connection pasta held a copy of would never see nimbus close it.
      (void)::syscall(SYS_close_range, 3U, ~0U, 0U);
      ::execve(binary_.c_str(), argv.data(), empty_env);
      ::_exit(127);
    }
    int err = pid < 0 ? errno : 0;
    if (err != 0) return Unavailable("spawn " + binary_ + ": " + std::strerror(err), base);
    // Ready once it wrote its pid file (after --config-net); an exit before that is a failure.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!Exists(base + ".pid")) {
      int status = 0;
      bool exited = ::waitpid(pid, &status, WNOHANG) == pid;
      if (exited || std::chrono::steady_clock::now() >= deadline) {
        if (!exited) Reap(pid, 0ms);
        auto text = ReadFile(log);
        std::string why = text.ok() && !text->empty() ? *text : "no message";
        while (!why.empty() && why.back() == '\n') why.pop_back();
        return Unavailable("pasta " + std::string(exited ? "failed" : "timed out") + ": " + why,
                           base);
      }
      std::this_thread::sleep_for(2ms);
    }
    return std::unique_ptr<OutboundLink>(std::make_unique<PastaLink>(pid, base));
  }

 private:
  static Status Unavailable(const std::string& message, const std::string& base) {
    RemoveFiles(base);
    return Status::Unavailable(message);
  }

  std::string binary_;
  std::string dir_;
  std::string ns_ifname_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace

void RemoveStaleOutboundLinks(const std::string& dir) {  // their pasta quits with the mount
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    size_t dot = name.find('.');
    if (TaggedOwnerGone(name)) stale.push_back(dir + "/" + name.substr(0, dot));
  }
  ::closedir(d);
  for (const auto& base : stale) RemoveFiles(base);
}

std::unique_ptr<Outbound> PastaOutbound(const std::string& state_dir,
                                        const std::string& ns_ifname) {
  std::string binary = FindOnPath("pasta");
  if (binary.empty()) return nullptr;
  ::mkdir(state_dir.c_str(), 0700);
  RemoveStaleOutboundLinks(state_dir);
  return std::make_unique<Pasta>(binary, state_dir, ns_ifname);
}

}  // namespace nimbus::sandbox
