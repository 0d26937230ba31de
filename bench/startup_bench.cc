// Measures nimbus start -> "nimbus ready" time and idle RSS over repeated starts, both with a
// fresh data dir per start (the first start: keys, schema and directories are made) and
// restarting on one existing data dir (what every later start does).
// Usage: startup_bench NIMBUS_BIN [runs]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

long RssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

struct Start {
  double ready_ms = 0;
  long rss_kib = 0;
};

// Starts nimbus on `dir`, waits for its ready line, lets it idle 300 ms, stops it.
bool StartOnce(const char* nimbus, const std::string& dir, Start& out) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    int null = open("/dev/null", O_WRONLY);  // start-up notes are not the bench's output
    if (null >= 0) dup2(null, 2);
    execl(nimbus, nimbus, "serve", "--port", "0", "--data-dir", dir.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  std::string text;
  char buf[256];
  while (text.find('\n') == std::string::npos) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  auto ready = std::chrono::steady_clock::now();
  bool ok = text.rfind("nimbus ready on ", 0) == 0;
  if (!ok) std::fprintf(stderr, "unexpected output: %s\n", text.c_str());
  out.ready_ms = std::chrono::duration<double, std::milli>(ready - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // idle
  out.rss_kib = RssKiB(pid);
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  close(fds[0]);
  return ok;
}

std::string NewDir() {
  char dir[] = "/tmp/nimbus-bench-XXXXXX";
  return mkdtemp(dir) == nullptr ? std::string() : std::string(dir);
}

bool RemoveDir(const std::string& dir) { return std::system(("rm -rf " + dir).c_str()) == 0; }

void Report(const char* what, std::vector<Start> starts) {
  std::vector<double> ms;
  std::vector<long> rss;
  for (const Start& s : starts) {
    ms.push_back(s.ready_ms);
    rss.push_back(s.rss_kib);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(rss.begin(), rss.end());
  std::printf(
      "%-18s start->ready over %zu runs: min %.2f ms, median %.2f ms, max %.2f ms; "
      "idle RSS median %.2f MiB (max %.2f)\n",
      what, ms.size(), ms.front(), ms[ms.size() / 2], ms.back(), rss[rss.size() / 2] / 1024.0,
      rss.back() / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s NIMBUS_BIN [runs]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  std::vector<Start> fresh, existing;
  for (int i = 0; i < runs; ++i) {
    std::string dir = NewDir();
    Start s;
    if (dir.empty() || !StartOnce(argv[1], dir, s) || !RemoveDir(dir)) return 1;
    fresh.push_back(s);
  }
  std::string dir = NewDir();
  Start s;
  if (dir.empty() || !StartOnce(argv[1], dir, s)) return 1;  // makes what a first start makes
  for (int i = 0; i < runs; ++i) {
    if (!StartOnce(argv[1], dir, s)) return 1;
    existing.push_back(s);
  }
  if (!RemoveDir(dir)) return 1;
  Report("fresh data dir:", fresh);
  Report("existing data dir:", existing);
  return 0;
}
