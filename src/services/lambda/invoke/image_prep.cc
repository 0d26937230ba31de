#include "services/lambda/invoke/image_prep.h"

#include <optional>
#include <vector>

#include <boost/asio/this_coro.hpp>

#include "core/waiter.h"

namespace nimbus::lambda {

struct ImagePrep::Slot {
  std::shared_ptr<const FunctionSnapshot> fn;
  std::optional<Result<ImageLaunch>> plan;       // set by the worker (under mu_)
  std::vector<std::shared_ptr<Waiter>> waiters;  // Gets waiting for it
};

ImagePrep::ImagePrep(FunctionImageSource& images, uid_t id_offset)
    : images_(images), id_offset_(id_offset) {}

ImagePrep::~ImagePrep() {
  std::vector<std::shared_ptr<Waiter>> waiting;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [fn, slot] : jobs_) {
      slot->plan = Status::Unavailable("nimbus is shutting down");
      waiting.insert(waiting.end(), slot->waiters.begin(), slot->waiters.end());
    }
    jobs_.clear();
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  for (auto& w : waiting) w->Notify();
}

std::shared_ptr<ImagePrep::Slot> ImagePrep::Enqueue(std::shared_ptr<const FunctionSnapshot> fn) {
  auto slot = std::make_shared<Slot>();
  slot->fn = fn;
  if (stopping_) {
    slot->plan = Status::Unavailable("nimbus is shutting down");
    return slot;
  }
  jobs_.emplace_back(std::move(fn), slot);
  if (!worker_.joinable()) worker_ = std::thread([this] { Work(); });
  wake_.notify_one();
  return slot;
}

void ImagePrep::Prefetch(std::shared_ptr<const FunctionSnapshot> fn) {
  if (fn == nullptr || fn->package_type != "Image") return;
  std::lock_guard lock(mu_);
  auto it = prefetched_.find(fn->version_key);
  if (it != prefetched_.end() && it->second->fn->generation == fn->generation) return;
  std::string key = fn->version_key;
  prefetched_[key] = Enqueue(std::move(fn));
}

boost::asio::awaitable<Result<ImageLaunch>> ImagePrep::Get(
    std::shared_ptr<const FunctionSnapshot> fn) {
  auto waiter = std::make_shared<Waiter>(co_await boost::asio::this_coro::executor);
  std::shared_ptr<Slot> slot;
  bool ready = false;
  {
    std::lock_guard lock(mu_);
    auto it = prefetched_.find(fn->version_key);
    if (it != prefetched_.end() && it->second->fn->generation == fn->generation) {
      slot = std::move(it->second);  // used once: a later cold start asks the registry again
      prefetched_.erase(it);
    } else {
      slot = Enqueue(fn);
    }
    ready = slot->plan.has_value();
    if (!ready) slot->waiters.push_back(waiter);  // the worker notifies it under mu_
  }
  if (!ready) co_await waiter->Wait();
  std::lock_guard lock(mu_);
  co_return std::move(*slot->plan);
}

void ImagePrep::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    auto [fn, slot] = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    Result<ImageLaunch> plan = PrepareImageLaunch(images_, *fn, id_offset_);
    lock.lock();
    slot->plan = std::move(plan);
    std::vector<std::shared_ptr<Waiter>> waiters = std::move(slot->waiters);
    slot->waiters.clear();
    lock.unlock();
    for (auto& w : waiters) w->Notify();
    lock.lock();
  }
}

}  // namespace nimbus::lambda
