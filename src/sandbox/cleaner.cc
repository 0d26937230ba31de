#include "sandbox/cleaner.h"

#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "sandbox/scratch.h"

namespace nimbus::sandbox {

void Finish(Remains remains) {
  if (remains.unreaped_pid > 0) {
    siginfo_t si;
    std::memset(&si, 0, sizeof(si));
    while (::waitid(P_PID, static_cast<id_t>(remains.unreaped_pid), &si, WEXITED) < 0 &&
           errno == EINTR) {
    }
  }
  if (remains.cgroup) (void)remains.cgroup->Remove();
  ScratchPool::Discard(std::move(remains.scratch_root));
}

Cleaner::Cleaner() : thread_([this] { Loop(); }) {}

Cleaner::~Cleaner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Cleaner::Post(Remains remains) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(remains));
  }
  cv_.notify_all();
}

void Cleaner::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void Cleaner::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_, and nothing left
    Remains r = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Finish(std::move(r));
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace nimbus::sandbox
