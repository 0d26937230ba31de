#include "services/ecs/network/task_stats.h"

#include <dirent.h>
#include <sched.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "services/ecs/network/task_metadata.h"

namespace nimbus::ecs {
namespace {

uint64_t ReadNumber(const std::string& path) {
  auto text = sandbox::ReadFile(path);
  if (!text.ok()) return 0;
  try {
    return std::stoull(*text);
  } catch (...) {
    return 0;
  }
}

// "key value" lines (cgroup v2 cpu.stat) -> value of `key`.
uint64_t KeyedNumber(const std::string& path, const std::string& key) {
  auto text = sandbox::ReadFile(path);
  if (!text.ok()) return 0;
  std::istringstream in(*text);
  std::string k;
  uint64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

bool IsV2(const ContainerCgroups& c) {
  return !c.memory.empty() && ::access((c.memory + "/memory.current").c_str(), F_OK) == 0;
}

// User and system CPU nanoseconds of the processes in `procs_dir`'s cgroup (cgroup v1 here has
// no cpuacct controller for nimbus's sandboxes: summed from /proc/<pid>/stat).
std::pair<uint64_t, uint64_t> ProcessCpu(const std::string& procs_dir) {
  static const uint64_t tick_ns = 1000000000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  auto procs = sandbox::ReadFile(procs_dir + "/cgroup.procs");
  uint64_t user = 0, system = 0;
  if (!procs.ok()) return {0, 0};
  std::istringstream pids(*procs);
  std::string pid;
  while (pids >> pid) {
    auto stat = sandbox::ReadFile("/proc/" + pid + "/stat");
    if (!stat.ok()) continue;
    size_t close = stat->rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat->substr(close + 2));
    std::string f;
    uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) utime = std::stoull(f);
      if (i == 15) stime = std::stoull(f);
    }
    user += utime * tick_ns;
    system += stime * tick_ns;
  }
  return {user, system};
}

uint64_t SystemCpuNs() {
  static const uint64_t tick_ns = 1000000000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  auto stat = sandbox::ReadFile("/proc/stat");
  if (!stat.ok()) return 0;
  std::istringstream in(stat->substr(0, stat->find('\n')));
  std::string cpu;
  in >> cpu;
  uint64_t total = 0, v = 0;
  while (in >> v) total += v;
  return total * tick_ns;
}

Value CpuStats(const ContainerCgroups& c) {
  uint64_t user = 0, system = 0;
  if (IsV2(c)) {
    user = KeyedNumber(c.cpu + "/cpu.stat", "user_usec") * 1000;
    system = KeyedNumber(c.cpu + "/cpu.stat", "system_usec") * 1000;
  } else if (!c.memory.empty()) {
    std::tie(user, system) = ProcessCpu(c.memory);
  }
  return {{"cpu_usage",
           {{"total_usage", user + system},
            {"usage_in_kernelmode", system},
            {"usage_in_usermode", user}}},
          {"system_cpu_usage", SystemCpuNs()},
          {"online_cpus", ::sysconf(_SC_NPROCESSORS_ONLN)},
          {"throttling_data", {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}}}};
}

Value MemoryStats(const ContainerCgroups& c) {
  if (c.memory.empty()) return Value::object();
  if (IsV2(c)) {
    return {{"usage", ReadNumber(c.memory + "/memory.current")},
            {"max_usage", ReadNumber(c.memory + "/memory.peak")},
            {"limit", ReadNumber(c.memory + "/memory.max")},
            {"stats", Value::object()}};
  }
  return {{"usage", ReadNumber(c.memory + "/memory.usage_in_bytes")},
          {"max_usage", ReadNumber(c.memory + "/memory.max_usage_in_bytes")},
          {"limit", ReadNumber(c.memory + "/memory.limit_in_bytes")},
          {"stats", Value::object()}};
}

// /proc/net/dev as seen from namespace `netns`, read on a thread that joins it.
std::string ProcNetDevIn(int netns) {
  std::string out;
  std::thread([&] {
    if (::setns(netns, CLONE_NEWNET) != 0) return;
    auto text = sandbox::ReadFile("/proc/thread-self/net/dev");
    if (text.ok()) out = std::move(*text);
  }).join();
  return out;
}

}  // namespace

Value NetworksFromProcNetDev(const std::string& text) {
  Value out = Value::object();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;  // the two header lines
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name == "lo") continue;
    std::istringstream fields(line.substr(colon + 1));
    uint64_t v[16] = {};
    for (auto& x : v) fields >> x;
    out[name] = {{"rx_bytes", v[0]},   {"rx_packets", v[1]}, {"rx_errors", v[2]},
                 {"rx_dropped", v[3]}, {"tx_bytes", v[8]},   {"tx_packets", v[9]},
                 {"tx_errors", v[10]}, {"tx_dropped", v[11]}};
  }
  return out;
}

TaskStats::TaskStats(sandbox::UniqueFd netns, const Clock& clock)
    : netns_(std::move(netns)), clock_(clock) {}

void TaskStats::Add(const std::string& name, const std::string& runtime_id,
                    const ContainerCgroups& cgroups) {
  std::lock_guard<std::mutex> lock(mu_);
  containers_[runtime_id] = Container{name, cgroups, Value(), ""};
}

std::map<std::string, std::string> TaskStats::Started() {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [id, c] : containers_) out[c.name] = id;
  return out;
}

Value TaskStats::Sample() {
  Value networks =
      netns_.valid() ? NetworksFromProcNetDev(ProcNetDevIn(netns_.get())) : Value::object();
  double now = static_cast<double>(clock_.NowMillis()) / 1000.0;
  std::string read = MetadataTime(now);
  Value out = Value::object();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, c] : containers_) {
    Value cpu = CpuStats(c.cgroups);
    Value pre = c.previous.is_null() ? Value{{"cpu_usage", {{"total_usage", 0}}},
                                             {"system_cpu_usage", 0},
                                             {"online_cpus", 0},
                                             {"throttling_data", Value::object()}}
                                     : c.previous;
    out[id] = {{"read", read},
               {"preread", c.previous_read.empty() ? "0001-01-01T00:00:00Z" : c.previous_read},
               {"pids_stats", {{"current", ReadNumber(c.cgroups.pids + "/pids.current")}}},
               {"num_procs", 0},
               {"cpu_stats", cpu},
               {"precpu_stats", pre},
               {"memory_stats", MemoryStats(c.cgroups)},
               {"name", c.name},
               {"id", id},
               {"networks", networks}};
    c.previous = std::move(cpu);
    c.previous_read = read;
  }
  return out;
}

}  // namespace nimbus::ecs
