#include "sandbox/netns_pool.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "sandbox/veth.h"

namespace nimbus::sandbox {

NetnsPool::NetnsPool(NetworkNamespaces& namespaces, NetnsPoolOptions options)
    : namespaces_(namespaces),
      options_(std::move(options)),
      target_(options_.ready),
      worker_([this] { Run(); }) {}

NetnsPool::~NetnsPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

Result<PreparedNetwork> NetnsPool::Take() {
  std::optional<PreparedNetwork> network;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ready_.empty()) {
      network = std::move(ready_.front());
      ready_.pop_front();
    } else {
      target_ = std::min(std::max<size_t>(target_ * 2, 1), options_.ready * 4);
    }
  }
  cv_.notify_all();
  if (network) return std::move(*network);
  return Make();
}

void NetnsPool::Release(PreparedNetwork network) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    released_.push_back(std::move(network));
  }
  cv_.notify_all();
}

void NetnsPool::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return stop_ || (!busy_ && released_.empty() && (failed_ || ready_.size() >= target_));
  });
}

size_t NetnsPool::target() const {
  std::lock_guard<std::mutex> lock(mu_);
  return target_;
}

Result<PreparedNetwork> NetnsPool::Make() {
  auto ns = namespaces_.Create(options_.lo_addresses);
  if (!ns.ok()) return ns.error();
  PreparedNetwork network{std::move(*ns), {}};
  for (const auto& [key, value] : options_.net_sysctls) {
    if (Status st = SetNetSysctl(network.netns.get(), key, value); !st.ok()) return st;
  }
  for (const auto& endpoint : options_.endpoints) {
    auto socket = namespaces_.Listen(network.netns.get(), endpoint, options_.backlog);
    if (!socket.ok()) return socket.error();
    network.listeners.push_back(std::move(*socket));
  }
  if (options_.outbound) {
    auto link = options_.outbound->Connect(network.netns.get());
    if (!link.ok()) return link.error();
    network.outbound = std::move(*link);
  }
  return network;
}

void NetnsPool::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (!released_.empty()) {  // closing comes first: it frees what making would add to
      std::deque<PreparedNetwork> closing = std::move(released_);
      released_.clear();
      busy_ = true;
      lock.unlock();
      closing.clear();
      lock.lock();
      busy_ = false;
      cv_.notify_all();
      continue;
    }
    if (ready_.size() >= target_) {
      cv_.wait(lock);
      continue;
    }
    busy_ = true;
    lock.unlock();
    auto network = Make();
    lock.lock();
    busy_ = false;
    failed_ = !network.ok();
    if (network.ok()) ready_.push_back(std::move(*network));
    cv_.notify_all();
    if (failed_) cv_.wait_for(lock, std::chrono::seconds(1));  // Take makes its own meanwhile
  }
}

}  // namespace nimbus::sandbox
