// The awslogs log driver of one ECS container: what it writes on stdout and stderr becomes
// CloudWatch Logs events in its group and stream (options.h), in the order read, shipped in the
// background and written durably by the logs service's LogSink; in blocking mode (the default)
// a container that writes faster than the log store keeps up waits, in non-blocking mode the
// oldest unshipped lines beyond max-buffer-size are dropped (Docker's ring buffer).
//
//   auto driver = awslogs::Driver::Start(deps, {account, region, task_id, "web", runtime_id,
//                                              options}, fargate);
//   if (!driver.ok()) stop the task with driver.error().message() (AWS's reason text);
//   (*driver)->Attach(loop executor, stdout_fd, stderr_fd, [] { both ended, all shipped });
//
// Thread-safe; Attach's callbacks run on the executor given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "services/ecs/awslogs/event_assembler.h"
#include "services/ecs/awslogs/options.h"
#include "services/logs/api/log_sink.h"
#include "services/output/line_splitter.h"
#include "services/output/log_shipper.h"

namespace nimbus::ecs::awslogs {

// Shared by every container's driver; each must outlive the drivers.
struct DriverDeps {
  logs::LogSink* sink = nullptr;          // makes the group and stream at start
  output::LogShipper* shipper = nullptr;  // writes the events
  const Clock* clock = nullptr;           // events' timestamps
};

// Who logs: the container and its task.
struct ContainerInfo {
  std::string account_id;
  std::string region;  // the task's; awslogs-region names the logs' region
  std::string task_id;
  std::string container_name;
  std::string runtime_id;                      // the stream's name without awslogs-stream-prefix
  std::map<std::string, std::string> options;  // logConfiguration.options
};

class Driver : public std::enable_shared_from_this<Driver> {
 public:
  // Checks the options as Docker does and makes the stream (and the group, with
  // awslogs-create-group) as the agent does when the container starts. The error's message is
  // the reason AWS stops the task with (ResourceInitializationError on FARGATE,
  // CannotStartContainerError otherwise), e.g. for a missing group.
  static Result<std::shared_ptr<Driver>> Start(const DriverDeps& deps, const ContainerInfo& who,
                                               bool fargate);

  // Pumps the container's stdout and stderr read ends (owned; -1 for none) on `executor` until
  // both end, then ships the rest and calls `done` (optional) on `executor`, which must run on
  // one thread (an event loop).
  void Attach(boost::asio::any_io_executor executor, int stdout_fd, int stderr_fd,
              std::function<void()> done);

  const std::string& group() const { return group_; }
  const std::string& stream() const { return stream_; }
  const std::string& region() const { return scope_.region; }
  // Lines dropped so far by non-blocking mode.
  uint64_t dropped() const;

  // Use Start.
  Driver(const DriverDeps& deps, Options options, Scope scope, std::string stream);

  // Feeds output of stdout (0) or stderr (1) as read; the pumps call it (tests may too).
  void Feed(int which, std::string_view data);
  // Ships what is pending (the multiline event only when old enough, or all when `final`).
  void Ship(bool final);
  // Whether a blocking producer should wait before reading more.
  bool Behind();
  // How much unwritten output makes a blocking producer wait (Docker's is 4096 messages).
  static constexpr size_t kBlockingHighWater = 1024 * 1024;

 private:
  void ShipLocked(std::vector<logs::LogLine> events);

  DriverDeps deps_;
  Options options_;
  Scope scope_;  // the task's account, the logs' region
  std::string group_, stream_;
  mutable std::mutex mu_;
  output::LineSplitter lines_[2]{output::LineSplitter(EventAssembler::kMaxEventBytes),
                                 output::LineSplitter(EventAssembler::kMaxEventBytes)};
  EventAssembler events_;
  uint64_t dropped_ = 0;
  int open_pipes_ = 0;
};

}  // namespace nimbus::ecs::awslogs
