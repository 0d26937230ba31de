// Network namespaces made ahead of time, each with its listening sockets already open, so that
// starting a sandbox only takes one (a few microseconds) instead of creating it (milliseconds).
// A background thread keeps `ready` of them and also closes those given back (and detaches their
// outbound links), so neither the creation nor the teardown runs on the caller's (the invoke's)
// path.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.h"
#include "sandbox/fd.h"
#include "sandbox/netns.h"
#include "sandbox/outbound.h"

namespace nimbus::sandbox {

// A network namespace and the listening sockets opened inside it. Move-only.
struct PreparedNetwork {
  UniqueFd netns;                          // for SandboxSpec::netns_fd
  std::vector<UniqueFd> listeners;         // one per NetnsPoolOptions::endpoints, in that order
  std::unique_ptr<OutboundLink> outbound;  // with NetnsPoolOptions::outbound
};

struct NetnsPoolOptions {
  std::vector<std::string> lo_addresses;  // see NetworkNamespaces::Create
  std::vector<NetEndpoint> endpoints;     // sockets opened in every namespace
  int backlog = 64;
  // Namespaces kept prepared; a Take that finds none doubles it, up to 4 times this (a burst
  // of launches is followed by more).
  size_t ready = 4;
  // Connects every namespace to the outside world (not owned; outlives the pool). Null: none.
  Outbound* outbound = nullptr;
  // Network sysctls set in every namespace: {key under /proc/sys/net/, value} (SetNetSysctl).
  std::vector<std::pair<std::string, std::string>> net_sysctls;
};

// Thread-safe. Owns a background thread.
class NetnsPool {
 public:
  // `namespaces` must outlive the pool. The thread starts filling at once.
  NetnsPool(NetworkNamespaces& namespaces, NetnsPoolOptions options);
  // Stops the thread; closes what is still prepared or queued for closing.
  ~NetnsPool();
  NetnsPool(const NetnsPool&) = delete;
  NetnsPool& operator=(const NetnsPool&) = delete;

  // A prepared namespace: a ready one when there is one, else one made now on the calling
  // thread's time. Either way the pool refills in the background. Errors: those of
  // NetworkNamespaces::Create and Listen.
  Result<PreparedNetwork> Take();
  // Hands a namespace's descriptors (and anything else to close with them) to the background
  // thread, which closes them. Non-blocking.
  void Release(PreparedNetwork network);
  // Blocks until the pool is full (or the last attempt to fill it failed) and nothing waits to
  // be closed (tests).
  void WaitIdle();
  // How many namespaces the pool keeps prepared now.
  size_t target() const;

 private:
  Result<PreparedNetwork> Make();
  void Run();

  NetworkNamespaces& namespaces_;
  const NetnsPoolOptions options_;
  mutable std::mutex mu_;
  size_t target_;  // ready namespaces wanted: options_.ready, doubled by each empty Take
  std::condition_variable cv_;
  bool stop_ = false;
  bool busy_ = false;    // the thread is making or closing outside the lock
  bool failed_ = false;  // the last background attempt failed (it waits before retrying)
  std::deque<PreparedNetwork> ready_;
  std::deque<PreparedNetwork> released_;
  std::thread worker_;
};

}  // namespace nimbus::sandbox
