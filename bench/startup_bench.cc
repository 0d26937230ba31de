// Measures nimbus start -> "nimbus ready" time and idle RSS, over repeated cold starts.
// Usage: startup_bench NIMBUS_BIN [runs]
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s NIMBUS_BIN [runs]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 20;
  std::vector<double> ready_ms;
  std::vector<long> rss;
  for (int i = 0; i < runs; ++i) {
    char dir[] = "/tmp/nimbus-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) return 1;
    int fds[2];
    if (pipe(fds) != 0) return 1;
    auto start = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      execl(argv[1], argv[1], "serve", "--port", "0", "--data-dir", dir, nullptr);
      _exit(127);
    }
    close(fds[1]);
    std::string out;
    char buf[256];
    while (out.find('\n') == std::string::npos) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    auto ready = std::chrono::steady_clock::now();
    if (out.rfind("nimbus ready on ", 0) != 0) {
      std::fprintf(stderr, "unexpected output: %s\n", out.c_str());
      return 1;
    }
    ready_ms.push_back(std::chrono::duration<double, std::milli>(ready - start).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // idle
    rss.push_back(RssKiB(pid));
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    close(fds[0]);
    std::string rm = std::string("rm -rf ") + dir;
    if (std::system(rm.c_str()) != 0) return 1;
  }
  std::sort(ready_ms.begin(), ready_ms.end());
  std::sort(rss.begin(), rss.end());
  std::printf("start->ready over %d runs: min %.2f ms, median %.2f ms, max %.2f ms\n", runs,
              ready_ms.front(), ready_ms[ready_ms.size() / 2], ready_ms.back());
  std::printf("idle RSS after ready: median %.2f MiB (max %.2f MiB)\n", rss[rss.size() / 2] / 1024.0,
              rss.back() / 1024.0);
  return 0;
}
