#include "services/ecs/awslogs/driver.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "services/output/fd_pump.h"

namespace nimbus::ecs::awslogs {

namespace asio = boost::asio;

namespace {

// As the ECS agent (EC2: Docker's answer) or Fargate's agent words it.
std::string Reason(const std::string& what, bool fargate) {
  if (fargate) {
    return "ResourceInitializationError: failed to validate logger args: " + what +
           " : exit status 1";
  }
  const std::string docker = "Error response from daemon: failed to initialize logging driver: ";
  return "CannotStartContainerError: " + docker + what;
}

// A multiline event with no follower goes out once it is old enough, as Docker's ticker does.
asio::awaitable<void> FlushOldEvents(std::shared_ptr<Driver> driver, std::shared_ptr<int> open,
                                     asio::any_io_executor executor) {
  asio::steady_timer tick(executor);
  while (*open > 0) {
    tick.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (*open > 0) driver->Ship(false);
  }
}

}  // namespace

Driver::Driver(const DriverDeps& deps, Options options, Scope scope, std::string stream)
    : deps_(deps),
      options_(std::move(options)),
      scope_(std::move(scope)),
      group_(options_.group),
      stream_(std::move(stream)),
      events_(options_.line_start ? &*options_.line_start : nullptr) {}

Result<std::shared_ptr<Driver>> Driver::Start(const DriverDeps& deps, const ContainerInfo& who,
                                              bool fargate) {
  auto options = ParseOptions(who.options);
  if (!options.ok()) return Status::InvalidArgument(Reason(options.error().message(), fargate));
  Scope scope{who.account_id, options->region.empty() ? who.region : options->region};
  std::string stream = StreamName(*options, who.container_name, who.task_id, who.runtime_id);
  if (deps.sink == nullptr || deps.shipper == nullptr) {
    return Status::Unavailable(Reason("the CloudWatch Logs service is not running", fargate));
  }
  Status made = deps.sink->PrepareStream(scope, options->group, stream, options->create_group);
  if (made.code() == StatusCode::kNotFound) {
    std::string what =
        "failed to create Cloudwatch log stream: ResourceNotFoundException: " + made.message();
    if (fargate) what = "create stream has been retried 1 times: " + what;
    return Status::NotFound(Reason(what, fargate));
  }
  if (!made.ok()) return Status(made.code(), Reason(made.message(), fargate));
  return std::make_shared<Driver>(deps, std::move(*options), std::move(scope), std::move(stream));
}

void Driver::Feed(int which, std::string_view data) {
  int64_t now = deps_.clock->NowMillis();
  std::vector<logs::LogLine> out;
  std::lock_guard<std::mutex> lock(mu_);
  lines_[which].Feed(data, [&](std::string line) { events_.Add(line, now, out); });
  ShipLocked(std::move(out));
}

void Driver::Ship(bool final) {
  std::vector<logs::LogLine> out;
  std::lock_guard<std::mutex> lock(mu_);
  if (final) {
    int64_t now = deps_.clock->NowMillis();
    for (auto& l : lines_) l.Flush([&](std::string line) { events_.Add(line, now, out); });
    events_.Flush(out);
  } else {
    events_.FlushIfOld(deps_.clock->NowMillis(), out);
  }
  ShipLocked(std::move(out));
}

void Driver::ShipLocked(std::vector<logs::LogLine> events) {
  if (events.empty()) return;
  size_t limit = options_.non_blocking ? options_.max_buffer_size : SIZE_MAX;
  dropped_ += deps_.shipper->Ship(scope_, group_, stream_, std::move(events), limit);
}

bool Driver::Behind() {
  return !options_.non_blocking &&
         deps_.shipper->QueuedBytes(scope_, group_, stream_) > kBlockingHighWater;
}

uint64_t Driver::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void Driver::Attach(asio::any_io_executor executor, int stdout_fd, int stderr_fd,
                    std::function<void()> done) {
  auto self = shared_from_this();
  auto open = std::make_shared<int>(0);
  auto ended = [self, open, done] {
    if (--*open > 0) return;
    self->Ship(true);
    if (done) done();
  };
  const int fds[2] = {stdout_fd, stderr_fd};
  for (int fd : fds) {
    if (fd >= 0) ++*open;
  }
  if (*open == 0) {
    ++*open;
    asio::post(executor, ended);
    return;
  }
  for (int which = 0; which < 2; ++which) {
    if (fds[which] < 0) continue;
    asio::co_spawn(
        executor,
        output::PumpFd(
            executor, fds[which], [self, which](std::string_view d) { self->Feed(which, d); },
            ended, [self] { return self->Behind(); }),
        asio::detached);
  }
  if (options_.line_start) {
    asio::co_spawn(executor, FlushOldEvents(self, open, executor), asio::detached);
  }
}

}  // namespace nimbus::ecs::awslogs
