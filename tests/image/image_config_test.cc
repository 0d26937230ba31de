#include "image/image_config.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace nimbus::image {
namespace {

const std::string kId = "sha256:" + std::string(64, 'c');

TEST(ImageConfig, ReadsWhatARuntimeNeeds) {
  std::string json = R"({"architecture":"amd64","os":"linux","config":{
    "Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],"Env":["PATH=/bin","A=b=c"],
    "WorkingDir":"/srv","User":"1000:1000","StopSignal":"SIGQUIT",
    "ExposedPorts":{"8080/tcp":{},"53/udp":{}},"Labels":{"b":"2","a":"1"},
    "Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":3}},
    "rootfs":{"type":"layers","diff_ids":[")" +
                     kId + R"("]},"history":[]})";
  auto c = ParseImageConfig(json);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->os, "linux");
  EXPECT_EQ(c->architecture, "amd64");
  EXPECT_EQ(c->entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(c->cmd, (std::vector<std::string>{"echo hi"}));
  EXPECT_EQ(c->env, (std::vector<std::string>{"PATH=/bin", "A=b=c"}));
  EXPECT_EQ(c->working_dir, "/srv");
  EXPECT_EQ(c->user, "1000:1000");
  EXPECT_EQ(c->stop_signal, "SIGQUIT");
  EXPECT_EQ(c->exposed_ports, (std::vector<std::string>{"53/udp", "8080/tcp"}));
  EXPECT_EQ(c->labels, (std::vector<std::string>{"a=1", "b=2"}));
  ASSERT_TRUE(c->healthcheck.has_value());
  EXPECT_EQ(c->healthcheck->test, (std::vector<std::string>{"CMD-SHELL", "true"}));
  EXPECT_EQ(c->healthcheck->interval_ns, 5000000000);
  EXPECT_EQ(c->healthcheck->retries, 3);
  EXPECT_EQ(c->diff_ids, (std::vector<std::string>{kId}));
}

TEST(ImageConfig, NullsAndAbsentFieldsAreEmpty) {
  auto c = ParseImageConfig(
      R"({"config":{"Entrypoint":null,"Cmd":null},"rootfs":{"type":"layers","diff_ids":[]}})");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->entrypoint.empty());
  EXPECT_TRUE(c->cmd.empty());
  EXPECT_FALSE(c->healthcheck.has_value());
}

TEST(ImageConfig, RefusesMalformedConfigsNamingTheField) {
  const std::pair<std::string, std::string> rows[] = {
      {"[]", "not a JSON object"},
      {"{", "not a JSON object"},
      {R"({"config":{"Env":"A=b"},"rootfs":{"type":"layers"}})", "config.Env"},
      {R"({"config":{"Cmd":[1]},"rootfs":{"type":"layers"}})", "config.Cmd"},
      {R"({"config":{"User":5},"rootfs":{"type":"layers"}})", "config.User"},
      {R"({"config":{}})", "rootfs"},
      {R"({"rootfs":{"type":"other"}})", "rootfs.type"},
      {R"({"rootfs":{"type":"layers","diff_ids":["sha256:xyz"]}})", "rootfs.diff_ids"},
  };
  for (const auto& [json, field] : rows) {
    SCOPED_TRACE(json);
    auto c = ParseImageConfig(json);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.error().message().find(field), std::string::npos) << c.error().message();
  }
}

TEST(ImageConfig, StopSignals) {
  EXPECT_EQ(*ParseStopSignal(""), SIGTERM);
  EXPECT_EQ(*ParseStopSignal("SIGQUIT"), SIGQUIT);
  EXPECT_EQ(*ParseStopSignal("usr1"), SIGUSR1);
  EXPECT_EQ(*ParseStopSignal("9"), SIGKILL);
  EXPECT_EQ(*ParseStopSignal("SIGRTMIN+3"), SIGRTMIN + 3);
  EXPECT_FALSE(ParseStopSignal("SIGNOPE").ok());
  EXPECT_FALSE(ParseStopSignal("0").ok());
  EXPECT_FALSE(ParseStopSignal("999").ok());
}

}  // namespace
}  // namespace nimbus::image
