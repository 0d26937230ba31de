// Internal to the sandbox module: tears finished sandboxes down on a background thread. Reaping
// init, removing cgroups (the kernel may keep them busy for a few ms after the last task) and
// unmounting /tmp volumes all block; a Sandbox destroyed on an event loop hands them over here.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "sandbox/cgroup.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

// What is left of a sandbox once its processes were sent SIGKILL.
struct Remains {
  pid_t unreaped_pid = -1;  // init, when nobody reaped it yet
  std::optional<SandboxCgroup> cgroup;
  UniqueFd scratch_root;  // its /tmp volume
};

// Finishes Remains in order: reap, remove cgroups, discard the /tmp volume.
void Finish(Remains remains);

// A thread that runs Finish for each posted Remains. Thread-safe. The destructor finishes
// everything still queued before it returns (so a clean shutdown leaves no cgroups behind).
class Cleaner {
 public:
  Cleaner();
  ~Cleaner();
  Cleaner(const Cleaner&) = delete;
  Cleaner& operator=(const Cleaner&) = delete;

  void Post(Remains remains);
  // Blocks until everything posted so far is finished (tests).
  void Flush();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Remains> queue_;
  bool stop_ = false;
  bool busy_ = false;
  std::thread thread_;
};

}  // namespace nimbus::sandbox
