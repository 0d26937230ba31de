#include "server/options.h"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(OptionsTest, ServeDefaultsAndValues) {
  auto cl = ParseCommandLine({"serve", "--port", "0", "--host=0.0.0.0", "--log-format", "json",
                              "--data-dir", "/tmp/x", "--lambda-concurrency", "5"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->command, CommandLine::Command::kServe);
  EXPECT_EQ(cl->serve.port, 0);
  EXPECT_EQ(cl->serve.host, "0.0.0.0");
  EXPECT_EQ(cl->serve.log_format, LogFormat::kJson);
  EXPECT_EQ(cl->serve.data_dir, "/tmp/x");
  EXPECT_EQ(cl->serve.lambda_concurrency, 5);
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

TEST(OptionsTest, DefaultDataDirFollowsXdg) {
  setenv("XDG_DATA_HOME", "/xdg", 1);
  EXPECT_EQ(DefaultDataDir(), "/xdg/nimbus");
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(DefaultDataDir(), "/home/u/.local/share/nimbus");
}

}  // namespace
}  // namespace nimbus
