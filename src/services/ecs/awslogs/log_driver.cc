#include "services/ecs/awslogs/log_driver.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "services/ecs/awslogs/driver.h"
#include "services/kit/input.h"
#include "services/output/log_shipper.h"

namespace nimbus::ecs::awslogs {
namespace {

namespace asio = boost::asio;

// Set once both of a container's streams ended and their lines were handed to the shipper.
struct Ended {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  void Set() {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
    cv.notify_all();
  }
};

class PumpedLog : public ecs::ContainerLog {
 public:
  PumpedLog(asio::io_context& io, output::LogShipper& shipper, std::shared_ptr<Driver> driver)
      : io_(io), shipper_(shipper), driver_(std::move(driver)) {}

  ~PumpedLog() override {
    if (!attached_) return;
    std::unique_lock<std::mutex> lock(ended_->mu);
    ended_->cv.wait(lock, [&] { return ended_->done; });
    lock.unlock();
    shipper_.Flush();  // written durably before the task is reported stopped
  }

  void Attach(sandbox::UniqueFd out, sandbox::UniqueFd err) override {
    attached_ = true;
    int fds[2] = {out.release(), err.release()};
    auto ended = ended_;
    asio::post(io_, [&io = io_, fds, ended, driver = driver_] {
      driver->Attach(io.get_executor(), fds[0], fds[1], [ended] { ended->Set(); });
    });
  }

 private:
  asio::io_context& io_;
  output::LogShipper& shipper_;
  std::shared_ptr<Driver> driver_;
  std::shared_ptr<Ended> ended_ = std::make_shared<Ended>();
  bool attached_ = false;
};

class AwslogsLogDriver : public LogDriver {
 public:
  AwslogsLogDriver(std::shared_ptr<logs::LogSink> sink, const Clock& clock,
                   std::unique_ptr<LogDriver> others)
      : others_(std::move(others)),
        sink_(std::move(sink)),
        shipper_(sink_.get()),
        deps_{sink_.get(), &shipper_, &clock},
        work_(io_.get_executor()),
        thread_([this] { io_.run(); }) {}

  ~AwslogsLogDriver() override {
    work_.reset();
    thread_.join();  // after every attached container's pipes ended
  }

  Result<std::unique_ptr<ecs::ContainerLog>> Open(const ContainerLogRequest& request) override {
    const Value& config = request.log_configuration;
    std::string driver_name = Str(config, "logDriver");
    if (driver_name.empty() || driver_name == "json-file" || driver_name == "local" ||
        driver_name == "none") {
      return others_->Open(request);
    }
    if (driver_name != "awslogs") {
      return Status::FailedPrecondition(
          "CannotStartContainerError: nimbus does not implement the " + driver_name +
          " log driver (awslogs, json-file, local and none are served)");
    }
    ContainerInfo who;
    who.account_id = request.scope.account;
    who.region = request.scope.region;
    who.task_id = request.task_id;
    who.container_name = request.container_name;
    who.runtime_id = request.runtime_id.empty() ? request.task_id + "-" + request.container_name
                                                : request.runtime_id;
    if (const Value* options = Member(config, "options"); options && options->is_object()) {
      for (auto it = options->begin(); it != options->end(); ++it) {
        if (it->is_string()) who.options[it.key()] = it->get<std::string>();
      }
    }
    auto driver = Driver::Start(deps_, who, request.fargate);
    if (!driver.ok()) return Status::FailedPrecondition(driver.error().message());
    return std::unique_ptr<ecs::ContainerLog>(
        std::make_unique<PumpedLog>(io_, shipper_, std::move(*driver)));
  }

 private:
  std::unique_ptr<LogDriver> others_;
  std::shared_ptr<logs::LogSink> sink_;
  output::LogShipper shipper_;
  DriverDeps deps_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<LogDriver> MakeLogDriver(std::shared_ptr<logs::LogSink> sink, const Clock& clock,
                                         std::unique_ptr<LogDriver> others) {
  return std::make_unique<AwslogsLogDriver>(std::move(sink), clock, std::move(others));
}

}  // namespace nimbus::ecs::awslogs
