#include "server/options.h"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

// A service's flags, as a ServiceFactory declares them.
constexpr FlagSpec kServiceFlags[] = {
    {"--svc-limit", "N", "a limit\nover two lines (default 7)", "7", true, 1, 10},
    {"--svc-host", "HOST", "a host", ""},
};

TEST(OptionsTest, ServeDefaultsAndValues) {
  auto cl = ParseCommandLine({"serve", "--port", "0", "--host=0.0.0.0", "--log-format", "json",
                              "--data-dir", "/tmp/x", "--svc-limit", "5"},
                             kServiceFlags);
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, CommandLine::Command::kServe);
  EXPECT_EQ(cl->serve.port, 0);
  EXPECT_EQ(cl->serve.host, "0.0.0.0");
  EXPECT_EQ(cl->serve.log_format, LogFormat::kJson);
  EXPECT_EQ(cl->serve.data_dir, "/tmp/x");
  EXPECT_EQ(cl->serve.service_flags.Int("--svc-limit"), 5);
  EXPECT_EQ(cl->serve.service_flags.Str("--svc-host"), "");
}

TEST(OptionsTest, ServiceFlagsGetDefaultsRangesAndHelp) {
  auto cl = ParseCommandLine({"serve", "--svc-host=h:1"}, kServiceFlags);
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->serve.service_flags.Int("--svc-limit"), 7);
  EXPECT_EQ(cl->serve.service_flags.Str("--svc-host"), "h:1");
  auto bad = ParseCommandLine({"serve", "--svc-limit", "11"}, kServiceFlags);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "invalid value '11' for --svc-limit (expected 1..10)");
  EXPECT_FALSE(ParseCommandLine({"serve", "--svc-limit", "x"}, kServiceFlags).ok());
  EXPECT_FALSE(ParseCommandLine({"serve", "--svc-limit", "1"}).ok());  // not declared
  std::string help = ServeHelp(kServiceFlags);
  EXPECT_NE(help.find("  --svc-limit N               a limit\n"
                      "                              over two lines (default 7)\n"
                      "  --svc-host HOST             a host\n"),
            std::string::npos)
      << help;
}

TEST(OptionsTest, ConnectionLimits) {
  auto defaults = ParseCommandLine({"serve"});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->serve.max_connections, 0);  // derived from the descriptor limit
  EXPECT_EQ(defaults->serve.head_timeout_seconds, 20);
  EXPECT_EQ(defaults->serve.idle_timeout_seconds, 75);
  EXPECT_EQ(defaults->serve.body_min_rate, 1024);
  auto cl = ParseCommandLine({"serve", "--max-connections", "50", "--head-timeout", "2",
                              "--idle-timeout=9", "--body-min-rate", "0"});
  ASSERT_TRUE(cl.ok()) << cl.error().message();
  EXPECT_EQ(cl->serve.max_connections, 50);
  EXPECT_EQ(cl->serve.head_timeout_seconds, 2);
  EXPECT_EQ(cl->serve.idle_timeout_seconds, 9);
  EXPECT_EQ(cl->serve.body_min_rate, 0);
  EXPECT_FALSE(ParseCommandLine({"serve", "--head-timeout", "0"}).ok());
  EXPECT_FALSE(ParseCommandLine({"serve", "--max-connections", "0"}).ok());
  EXPECT_FALSE(ParseCommandLine({"serve", "--body-min-rate", "-1"}).ok());
}

TEST(OptionsTest, HelpAndErrors) {
  EXPECT_EQ(ParseCommandLine({})->command, CommandLine::Command::kHelp);
  EXPECT_EQ(ParseCommandLine({"serve", "--help"})->command, CommandLine::Command::kServeHelp);
  EXPECT_FALSE(ParseCommandLine({"serve", "--port", "70000"}).ok());
  EXPECT_FALSE(ParseCommandLine({"serve", "--port"}).ok());
  EXPECT_FALSE(ParseCommandLine({"serve", "--log-format", "xml"}).ok());
  EXPECT_FALSE(ParseCommandLine({"serve", "--bogus", "1"}).ok());
  EXPECT_FALSE(ParseCommandLine({"launch"}).ok());
}

TEST(OptionsTest, CertTakesOnlyADataDir) {
  auto cl = ParseCommandLine({"cert", "--data-dir", "/d"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, CommandLine::Command::kCert);
  EXPECT_EQ(cl->serve.data_dir, "/d");
  EXPECT_EQ(ParseCommandLine({"cert", "--data-dir=/e"})->serve.data_dir, "/e");
  EXPECT_FALSE(ParseCommandLine({"cert", "--port", "1"}).ok());
}

TEST(OptionsTest, EcsPassesItsArgumentsOn) {
  auto cl = ParseCommandLine({"ecs", "drift", "--cluster", "c"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, CommandLine::Command::kEcs);
  EXPECT_EQ(cl->args, (std::vector<std::string>{"drift", "--cluster", "c"}));
}

TEST(OptionsTest, DefaultDataDirFollowsXdg) {
  setenv("XDG_DATA_HOME", "/xdg", 1);
  EXPECT_EQ(DefaultDataDir(), "/xdg/nimbus");
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(DefaultDataDir(), "/home/u/.local/share/nimbus");
}

}  // namespace
}  // namespace nimbus
