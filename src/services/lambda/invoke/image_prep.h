// Container-image functions' launch plans (image_launch.h) made off the event loops, on a
// worker thread of its own (started by the first request): ahead of the first invoke when a
// function is created or its code or configuration changes (Prefetch), and for a cold start
// (Get), whose coroutine waits for the worker without blocking its loop. Layers unpack once
// (image/image_cache.h), so a later plan costs a few cache look-ups; each cold start but the
// one a prefetch served asks the registry again, so that a deleted image is noticed there.
// Thread-safe. Internal to the data plane.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/status.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/image_source.h"
#include "services/lambda/invoke/image_launch.h"

namespace nimbus::lambda {

class ImagePrep {
 public:
  // Plans for layers owned by image owner + `id_offset`; `images` outlives this.
  ImagePrep(FunctionImageSource& images, uid_t id_offset);
  // Stops the worker after the plan in hand; waiting Gets get Unavailable.
  ~ImagePrep();

  // Starts making `fn`'s plan (an Image function's) for the next cold start of its version and
  // generation, unless one is made or being made already; replaces a plan of an older
  // generation. Returns at once.
  void Prefetch(std::shared_ptr<const FunctionSnapshot> fn);

  // `fn`'s plan: the prefetched one of its version and generation (used once), waiting for it
  // when it is not ready yet, else a new one made on the worker. Errors as PrepareImageLaunch
  // (NotFound: the image is gone from the registry). Await it on an event loop.
  boost::asio::awaitable<Result<ImageLaunch>> Get(std::shared_ptr<const FunctionSnapshot> fn);

 private:
  struct Slot;  // one plan, made or being made
  std::shared_ptr<Slot> Enqueue(std::shared_ptr<const FunctionSnapshot> fn);  // mu_ held
  void Work();

  FunctionImageSource& images_;
  const uid_t id_offset_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<std::pair<std::shared_ptr<const FunctionSnapshot>, std::shared_ptr<Slot>>> jobs_;
  // Prefetched plans by version key (the generation is in the slot's snapshot).
  std::unordered_map<std::string, std::shared_ptr<Slot>> prefetched_;
  std::thread worker_;  // started by the first Enqueue
};

}  // namespace nimbus::lambda
