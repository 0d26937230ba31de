// Image functions' launch plans off the event loop: a prefetched plan serves the next cold
// start of its version and generation once (later ones ask the registry again), a cold start
// waits for a prefetch still running without blocking its loop, another generation's prefetch
// is not used, errors (a deleted image) come through, and plans are made off the caller's
// thread.
#include "services/lambda/invoke/image_prep.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace nimbus::lambda {
namespace {

class GatedImages : public FunctionImageSource {
 public:
  Result<ResolvedFunctionImage> Resolve(const std::string&, const std::string&,
                                        const std::string&) override {
    return Status::Unimplemented("not used");
  }
  Result<FunctionImageRoot> Prepare(const std::string&, const std::string&,
                                    const std::string& uri, uid_t) override {
    std::unique_lock lock(mu);
    ++prepares;
    thread = std::this_thread::get_id();
    cv.wait(lock, [this] { return open; });
    if (gone) return Status::NotFound("image gone: " + uri);
    FunctionImageRoot root;
    root.layers = {"/layers/" + uri};
    root.entrypoint = {"/bin/run"};
    return root;
  }
  void Open(bool value) {
    std::lock_guard lock(mu);
    open = value;
    cv.notify_all();
  }
  int Prepares() {
    std::lock_guard lock(mu);
    return prepares;
  }

  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  bool gone = false;
  int prepares = 0;
  std::thread::id thread;
};

std::shared_ptr<const FunctionSnapshot> ImageFunction(uint64_t generation,
                                                      std::string uri = "repo@sha256:1") {
  auto fn = std::make_shared<FunctionSnapshot>();
  fn->package_type = "Image";
  fn->image_uri = std::move(uri);
  fn->version_key = "123456789012/us-east-1/img/$LATEST";
  fn->generation = generation;
  return fn;
}

class ImagePrepTest : public ::testing::Test {
 protected:
  // Starts Get(fn) on the loop; its plan lands in `out`.
  void StartGet(std::shared_ptr<const FunctionSnapshot> fn,
                std::optional<Result<ImageLaunch>>& out) {
    boost::asio::co_spawn(
        io,
        [this, fn, &out]() -> boost::asio::awaitable<void> { out = co_await prep.Get(fn); },
        boost::asio::detached);
  }
  void RunUntil(const std::optional<Result<ImageLaunch>>& out) {
    for (int i = 0; i < 2000 && !out; ++i) {
      if (io.stopped()) io.restart();  // it stops whenever it runs out of work
      io.run_for(std::chrono::milliseconds(5));
    }
  }
  void WaitForPrepares(int n) {
    for (int i = 0; i < 2000 && images.Prepares() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  boost::asio::io_context io;
  GatedImages images;
  ImagePrep prep{images, 100000};
};

TEST_F(ImagePrepTest, APrefetchedPlanServesOneColdStartOffThisThread) {
  auto fn = ImageFunction(1);
  prep.Prefetch(fn);
  prep.Prefetch(fn);  // the same generation: not made twice
  WaitForPrepares(1);
  std::optional<Result<ImageLaunch>> first;
  StartGet(fn, first);
  RunUntil(first);
  ASSERT_TRUE(first && first->ok());
  EXPECT_EQ((*first)->argv, (std::vector<std::string>{"/bin/run"}));
  EXPECT_EQ((*first)->root.layers, (std::vector<std::string>{"/layers/repo@sha256:1"}));
  EXPECT_TRUE((*first)->root.read_only);
  EXPECT_EQ(images.Prepares(), 1);
  EXPECT_NE(images.thread, std::this_thread::get_id());
  std::optional<Result<ImageLaunch>> second;
  StartGet(fn, second);
  RunUntil(second);
  ASSERT_TRUE(second && second->ok());
  EXPECT_EQ(images.Prepares(), 2);  // asked again: a deleted image is noticed
}

TEST_F(ImagePrepTest, AColdStartWaitsForAPrefetchInFlightWithoutBlockingItsLoop) {
  images.Open(false);
  auto fn = ImageFunction(1);
  prep.Prefetch(fn);
  std::optional<Result<ImageLaunch>> plan;
  StartGet(fn, plan);
  bool other_work_ran = false;
  boost::asio::post(io, [&] { other_work_ran = true; });
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(other_work_ran);
  EXPECT_FALSE(plan.has_value());
  images.Open(true);
  RunUntil(plan);
  ASSERT_TRUE(plan && plan->ok());
  EXPECT_EQ(images.Prepares(), 1);
}

TEST_F(ImagePrepTest, AnotherGenerationsPrefetchIsNotUsed) {
  prep.Prefetch(ImageFunction(1, "repo@sha256:old"));
  WaitForPrepares(1);
  std::optional<Result<ImageLaunch>> plan;
  StartGet(ImageFunction(2, "repo@sha256:new"), plan);
  RunUntil(plan);
  ASSERT_TRUE(plan && plan->ok());
  EXPECT_EQ((*plan)->root.layers, (std::vector<std::string>{"/layers/repo@sha256:new"}));
}

TEST_F(ImagePrepTest, ZipFunctionsAreNotPrefetchedAndErrorsComeThrough) {
  auto zip = std::make_shared<FunctionSnapshot>();
  prep.Prefetch(zip);
  images.gone = true;
  auto fn = ImageFunction(1);
  prep.Prefetch(fn);
  std::optional<Result<ImageLaunch>> plan;
  StartGet(fn, plan);
  RunUntil(plan);
  ASSERT_TRUE(plan.has_value());
  ASSERT_FALSE(plan->ok());
  EXPECT_EQ(plan->error().code(), StatusCode::kNotFound);
  EXPECT_EQ(images.Prepares(), 1);
}

}  // namespace
}  // namespace nimbus::lambda
