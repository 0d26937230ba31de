// The awslogs driver: ECS's checks at registration, Docker's at container start, the stream's
// name, datetime formats as Docker converts them, events (multiline, cut at the event limit),
// lines in order through the shipper, a missing group, and non-blocking mode dropping oldest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "services/ecs/awslogs/driver.h"
#include "services/ecs/awslogs/event_assembler.h"
#include "services/ecs/awslogs/log_driver.h"
#include "services/ecs/awslogs/options.h"
#include "services/ecs/runtime/debug_log_driver.h"
#include "services/provider_harness.h"

namespace nimbus::ecs::awslogs {
namespace {

using testing::ProviderHarness;

Value Awslogs(Value options) { return {{"logDriver", "awslogs"}, {"options", std::move(options)}}; }

std::string Message(const std::optional<AwsError>& e) { return e ? e->message : "ok"; }

TEST(AwslogsOptionsTest, RegistrationChecksAsEcs) {
  Value ok = Awslogs({{"awslogs-group", "g"}, {"awslogs-region", "us-east-1"}});
  EXPECT_FALSE(CheckLogConfiguration(ok, false, false));
  EXPECT_EQ(Message(CheckLogConfiguration(Awslogs(Value::object()), false, false)),
            "Log driver awslogs requires options: awslogs-region, awslogs-group");
  EXPECT_EQ(Message(CheckLogConfiguration(Awslogs({{"awslogs-group", "g"}}), false, false)),
            "Log driver awslogs requires options: awslogs-region");
  Value extra = Awslogs({{"awslogs-group", "g"}, {"awslogs-region", "r"}, {"log_key", "x"}});
  EXPECT_EQ(Message(CheckLogConfiguration(extra, false, false)),
            "Log driver awslogs disallows options: log_key");
  EXPECT_EQ(Message(CheckLogConfiguration(ok, true, true)),
            "Fargate requires log configuration options to include awslogs-stream-prefix to "
            "support log driver awslogs.");
  Value prefixed =
      Awslogs({{"awslogs-group", "g"}, {"awslogs-region", "r"}, {"awslogs-stream-prefix", "p"}});
  EXPECT_FALSE(CheckLogConfiguration(prefixed, true, true));
  EXPECT_EQ(Message(CheckLogConfiguration(prefixed, true, false)),
            "Fargate requires task definition to have execution role ARN to support log driver "
            "awslogs.");
  EXPECT_FALSE(CheckLogConfiguration({{"logDriver", "json-file"}}, false, false));
}

TEST(AwslogsOptionsTest, RegisterTaskDefinitionRefusesBadOptions) {
  ProviderHarness h({"ecs"});
  ASSERT_TRUE(h.ok());
  Value container = {{"name", "c"},
                     {"image", "busybox"},
                     {"memory", 128},
                     {"logConfiguration", Awslogs({{"awslogs-group", "g"}})}};
  auto r = h.Call("ecs", "RegisterTaskDefinition",
                  {{"family", "f"}, {"containerDefinitions", Value::array({container})}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ClientException");
  EXPECT_EQ(r.error().message, "Log driver awslogs requires options: awslogs-region");
}

TEST(AwslogsOptionsTest, ContainerStartChecksAsDocker) {
  auto parsed = ParseOptions({{"awslogs-group", "g"},
                              {"awslogs-create-group", "true"},
                              {"mode", "non-blocking"},
                              {"max-buffer-size", "4m"}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(parsed->create_group);
  EXPECT_TRUE(parsed->non_blocking);
  EXPECT_EQ(parsed->max_buffer_size, 4u * 1024 * 1024);
  EXPECT_FALSE(parsed->line_start);
  auto message = [](std::map<std::string, std::string> o) {
    auto r = ParseOptions(o);
    return r.ok() ? std::string("ok") : r.error().message();
  };
  EXPECT_EQ(message({{"awslogs-group", "g"}, {"awslogs-create-group", "yes"}}),
            "must specify valid value for log opt 'awslogs-create-group': strconv.ParseBool: "
            "parsing \"yes\": invalid syntax");
  EXPECT_EQ(message({{"awslogs-group", "g"},
                     {"awslogs-datetime-format", "%Y"},
                     {"awslogs-multiline-pattern", "^x"}}),
            "you cannot configure log opt 'awslogs-datetime-format' and "
            "'awslogs-multiline-pattern' at the same time");
  EXPECT_EQ(message({{"awslogs-group", "g"}, {"mode", "lossy"}}),
            "logger: logging mode not supported: lossy");
  EXPECT_EQ(message({{"awslogs-group", "g"}, {"max-buffer-size", "1m"}}),
            "logger: max-buffer-size option is only supported with 'mode=non-blocking'");
  EXPECT_EQ(message({{"awslogs-group", "g"}, {"mode", "non-blocking"}, {"max-buffer-size", "x"}}),
            "logger: invalid max-buffer-size: invalid size: 'x'");
  EXPECT_EQ(message({{"awslogs-group", "g"}, {"awslogs-multiline-pattern", "(["}}).substr(0, 47),
            "awslogs could not parse multiline pattern key \"");
  EXPECT_EQ(message({{"awslogs-group", "g"}, {"tag", "x"}}),
            "unknown log opt 'tag' for awslogs log driver");
}

TEST(AwslogsOptionsTest, StreamNames) {
  Options o;
  o.stream_prefix = "web";
  EXPECT_EQ(StreamName(o, "app", "0123abcd", "rid"), "web/app/0123abcd");
  o.stream_prefix.clear();
  EXPECT_EQ(StreamName(o, "app", "0123abcd", "rid"), "rid");
}

TEST(AwslogsOptionsTest, DatetimeFormatsAsDockerConvertsThem) {
  EXPECT_EQ(DatetimeFormatToRegex("%Y-%m-%d"),
            "\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[1,2][0-9]|3[0,1])");
  EXPECT_EQ(DatetimeFormatToRegex("[%b %d, %Y %H:%M:%S"),
            "[(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?:0[1-9]|[1,2][0-9]|3[0,1]), "
            "\\d{4} (?:[0,1][0-9]|2[0-4]):[0-5][0-9]:[0-5][0-9]");
  EXPECT_EQ(DatetimeFormatToRegex("%Q%%x"), "x");  // unknown sequences vanish, as in Docker
  std::regex r(DatetimeFormatToRegex("%Y-%m-%dT%H:%M:%S%L%z"));
  EXPECT_TRUE(std::regex_search("2024-01-31T23:59:59.123+0100 boot", r));
  EXPECT_FALSE(std::regex_search("    at com.example.Main", r));
}

TEST(AwslogsOptionsTest, RamBytesAsDockerUnits) {
  EXPECT_EQ(ParseRamBytes("1048576"), 1048576);
  EXPECT_EQ(ParseRamBytes("64k"), 65536);
  EXPECT_EQ(ParseRamBytes("1.5MiB"), 1572864);
  EXPECT_EQ(ParseRamBytes("2 GB"), 2147483648);
  EXPECT_FALSE(ParseRamBytes("-1"));
  EXPECT_FALSE(ParseRamBytes("m"));
}

std::vector<std::string> Messages(const std::vector<logs::LogLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.message);
  return out;
}

TEST(AwslogsEventsTest, OneEventPerLineWithoutPattern) {
  EventAssembler a(nullptr);
  std::vector<logs::LogLine> out;
  a.Add("one", 1, out);
  a.Add("", 2, out);  // CloudWatch takes no empty event
  a.Add(std::string(EventAssembler::kMaxEventBytes + 5, 'x'), 3, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].message, "one");
  EXPECT_EQ(out[1].message.size(), EventAssembler::kMaxEventBytes);
  EXPECT_EQ(out[2].message, "xxxxx");
  EXPECT_EQ(out[2].timestamp_ms, 3);
}

TEST(AwslogsEventsTest, MultilineJoinsUntilTheNextStart) {
  std::regex start("^\\d{4}-");
  EventAssembler a(&start);
  std::vector<logs::LogLine> out;
  a.Add("2024-01-01 boom", 10, out);
  a.Add("  at A", 11, out);
  a.Add("  at B", 12, out);
  EXPECT_TRUE(out.empty());
  a.Add("2024-01-01 next", 13, out);
  ASSERT_EQ(Messages(out), (std::vector<std::string>{"2024-01-01 boom\n  at A\n  at B\n"}));
  EXPECT_EQ(out[0].timestamp_ms, 10);
  a.FlushIfOld(13 + EventAssembler::kFlushAfterMs - 1, out);
  EXPECT_EQ(out.size(), 1u);
  a.FlushIfOld(13 + EventAssembler::kFlushAfterMs, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].message, "2024-01-01 next\n");
  EXPECT_FALSE(a.pending());
}

// Records what reaches the log store; a missing group unless created.
class FakeSink : public logs::LogSink {
 public:
  void Append(std::vector<logs::LogBatch> batches) override {
    std::unique_lock<std::mutex> lock(mu);
    released.wait(lock, [&] { return !hold; });
    for (auto& b : batches) {
      for (auto& l : b.lines) {
        lines[b.scope.region + "|" + b.group + "|" + b.stream].push_back(l.message);
      }
    }
  }
  Status PrepareStream(const Scope& scope, const std::string& group, const std::string& stream,
                       bool create_group) override {
    std::lock_guard<std::mutex> lock(mu);
    if (!groups.count(group) && !create_group) {
      return Status::NotFound("The specified log group does not exist.");
    }
    groups.insert(group);
    lines[scope.region + "|" + group + "|" + stream];
    return Status::Ok();
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    hold = false;
    released.notify_all();
  }
  std::mutex mu;
  std::condition_variable released;
  bool hold = false;
  std::set<std::string> groups;
  std::map<std::string, std::vector<std::string>> lines;
};

struct DriverFixture {
  FakeSink sink;
  output::LogShipper shipper{&sink};
  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  DriverDeps deps{&sink, &shipper, &clock};
  ContainerInfo who{"000000000000", "us-east-1", "task1", "web", "rid", {}};
};

TEST(AwslogsDriverTest, MissingGroupFailsTheTaskAsAws) {
  DriverFixture f;
  f.who.options = {{"awslogs-group", "nope"}, {"awslogs-stream-prefix", "p"}};
  auto ec2 = Driver::Start(f.deps, f.who, false);
  ASSERT_FALSE(ec2.ok());
  EXPECT_EQ(ec2.error().message(),
            "CannotStartContainerError: Error response from daemon: failed to initialize logging "
            "driver: failed to create Cloudwatch log stream: ResourceNotFoundException: The "
            "specified log group does not exist.");
  auto fargate = Driver::Start(f.deps, f.who, true);
  ASSERT_FALSE(fargate.ok());
  EXPECT_EQ(fargate.error().message(),
            "ResourceInitializationError: failed to validate logger args: create stream has been "
            "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: "
            "The specified log group does not exist. : exit status 1");
  f.who.options["awslogs-create-group"] = "true";
  auto created = Driver::Start(f.deps, f.who, true);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ((*created)->stream(), "p/web/task1");
  EXPECT_TRUE(f.sink.lines.count("us-east-1|nope|p/web/task1"));  // made at start
}

TEST(AwslogsDriverTest, PipesToEventsInOrder) {
  DriverFixture f;
  f.sink.groups.insert("g");
  f.who.options = {
      {"awslogs-group", "g"}, {"awslogs-region", "eu-west-1"}, {"awslogs-stream-prefix", "p"}};
  auto driver = Driver::Start(f.deps, f.who, false);
  ASSERT_TRUE(driver.ok());
  int out[2], err[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC | O_NONBLOCK), 0);
  ASSERT_EQ(::pipe2(err, O_CLOEXEC | O_NONBLOCK), 0);
  boost::asio::io_context io;
  bool done = false;
  (*driver)->Attach(io.get_executor(), out[0], err[0], [&] { done = true; });
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + "\n";
  ASSERT_EQ(::write(out[1], text.data(), 4096), 4096);
  io.poll();
  ASSERT_EQ(::write(err[1], "to stderr\n", 10), 10);
  io.poll();
  size_t at = 4096;
  while (at < text.size()) {
    ssize_t n = ::write(out[1], text.data() + at, text.size() - at);
    if (n > 0) at += static_cast<size_t>(n);
    io.poll();
  }
  ASSERT_EQ(::write(out[1], "no newline", 10), 10);
  ::close(out[1]);
  ::close(err[1]);
  io.run();
  EXPECT_TRUE(done);
  f.shipper.Flush();
  const auto& got = f.sink.lines["eu-west-1|g|p/web/task1"];
  ASSERT_EQ(got.size(), 2002u);
  std::vector<std::string> stdout_lines;
  for (const auto& l : got) {
    if (l != "to stderr") stdout_lines.push_back(l);
  }
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(stdout_lines[i], "line " + std::to_string(i));
  EXPECT_EQ(stdout_lines.back(), "no newline");
}

TEST(AwslogsDriverTest, NonBlockingDropsOldestWhileTheStoreLags) {
  DriverFixture f;
  f.sink.groups.insert("g");
  f.sink.hold = true;  // the store is stuck: lines queue up
  f.who.options = {{"awslogs-group", "g"}, {"mode", "non-blocking"}, {"max-buffer-size", "100"}};
  auto driver = Driver::Start(f.deps, f.who, false);
  ASSERT_TRUE(driver.ok());
  (*driver)->Feed(0, "first\n");
  f.shipper.Ship(Scope{"x", "x"}, "x", "x", {{0, "wake"}});
  // Wait until the writer holds "first" (taken off the queue, stuck in Append).
  while (f.shipper.QueuedBytes(Scope{"000000000000", "us-east-1"}, "g", "rid") != 0) {
    std::this_thread::yield();
  }
  for (int i = 0; i < 50; ++i) (*driver)->Feed(0, "message-" + std::to_string(100 + i) + "\n");
  EXPECT_GT((*driver)->dropped(), 0u);
  EXPECT_FALSE((*driver)->Behind());  // non-blocking never makes the container wait
  f.sink.Release();
  f.shipper.Flush();
  const auto& got = f.sink.lines["us-east-1|g|rid"];
  ASSERT_GE(got.size(), 2u);
  EXPECT_LT(got.size(), 51u);
  EXPECT_EQ(got.back(), "message-149");  // the newest kept, the oldest dropped
  EXPECT_EQ(got.size() - 1 + (*driver)->dropped(), 50u);
}

TEST(AwslogsLogDriverTest, TheRuntimeSeam) {
  auto sink = std::make_shared<FakeSink>();
  sink->groups.insert("g");
  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  auto driver = MakeLogDriver(sink, clock, MakeDebugLogDriver(false));
  ContainerLogRequest request{
      Scope{"000000000000", "us-east-1"}, "t1", "arn", "default", "web", Value()};
  // No logConfiguration: the other driver reads it.
  auto plain = driver->Open(request);
  ASSERT_TRUE(plain.ok());
  int p[2], q[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(q, O_CLOEXEC), 0);
  ASSERT_EQ(::write(p[1], "dropped\n", 8), 8);
  ::close(p[1]);
  ::close(q[1]);
  (*plain)->Attach(sandbox::UniqueFd(p[0]), sandbox::UniqueFd(q[0]));
  plain->reset();  // returns once the pipe ended
  request.log_configuration = {{"logDriver", "splunk"}};
  auto splunk = driver->Open(request);
  ASSERT_FALSE(splunk.ok());
  EXPECT_EQ(splunk.error().message(),
            "CannotStartContainerError: nimbus does not implement the splunk log driver (awslogs, "
            "json-file, local and none are served)");
  request.log_configuration = Awslogs({{"awslogs-group", "g"}, {"awslogs-stream-prefix", "p"}});
  auto logged = driver->Open(request);
  ASSERT_TRUE(logged.ok()) << logged.error().message();
  int out[2], err[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
  (*logged)->Attach(sandbox::UniqueFd(out[0]), sandbox::UniqueFd(err[0]));
  ASSERT_EQ(::write(out[1], "hello\n", 6), 6);
  ASSERT_EQ(::write(err[1], "cleanup on SIGTERM", 18), 18);
  ::close(out[1]);
  ::close(err[1]);
  logged->reset();  // every line written once this returns
  {
    std::lock_guard<std::mutex> lock(sink->mu);
    auto& got = sink->lines["us-east-1|g|p/web/t1"];
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()),
              (std::set<std::string>{"hello", "cleanup on SIGTERM"}));
  }
  request.log_configuration = Awslogs({{"awslogs-group", "missing"}});
  request.fargate = true;
  auto missing = driver->Open(request);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message().substr(0, 28), "ResourceInitializationError:");
}

}  // namespace
}  // namespace nimbus::ecs::awslogs
