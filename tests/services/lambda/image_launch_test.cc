// How a container-image function starts: ENTRYPOINT/CMD merged with ImageConfig's, argv[0]
// found on the image's PATH, _HANDLER, the working directory, another architecture, and AWS's
// "Launch error" text.
#include "services/lambda/invoke/image_launch.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "test_util.h"

namespace nimbus::lambda {
namespace {

using testing::TempDir;

class FakeRoot : public FunctionImageSource {
 public:
  Result<ResolvedFunctionImage> Resolve(const std::string&, const std::string&,
                                        const std::string&) override {
    return Status::Unimplemented("not here");
  }
  Result<FunctionImageRoot> Prepare(const std::string&, const std::string&, const std::string& uri,
                                    uid_t) override {
    if (uri == "gone") return Status::NotFound("app@sha256:..: manifest unknown");
    return root;
  }
  FunctionImageRoot root;
};

class ImageLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two layers; /usr/bin/app is in the upper one.
    for (const char* d : {"/base", "/base/bin", "/app", "/app/usr", "/app/usr/bin"}) {
      ::mkdir((tmp_.path() + d).c_str(), 0755);
    }
    std::ofstream(tmp_.path() + "/app/usr/bin/app") << "#!/bin/sh\n";
    images_.root.layers = {tmp_.path() + "/base", tmp_.path() + "/app"};
    images_.root.entrypoint = {"/lambda-entrypoint.sh"};
    images_.root.cmd = {"app.handler"};
    images_.root.env = {"PATH=/usr/local/bin:/usr/bin", "IMAGE=1"};
    images_.root.working_dir = "/var/task";
    images_.root.architecture = "amd64";
    fn_.image_uri = "acct.dkr.ecr.us-east-1.amazonaws.com/app@sha256:x";
  }
  TempDir tmp_;
  FakeRoot images_;
  FunctionSnapshot fn_;
};

TEST_F(ImageLaunchTest, TheImagesEntrypointAndCmdByDefault) {
  auto l = PrepareImageLaunch(images_, fn_, 0);
  ASSERT_TRUE(l.ok()) << l.error().ToString();
  EXPECT_EQ(l->argv, (std::vector<std::string>{"/lambda-entrypoint.sh", "app.handler"}));
  EXPECT_EQ(l->handler, "app.handler");
  EXPECT_EQ(l->working_dir, "/var/task");
  EXPECT_EQ(l->env.at("IMAGE"), "1");
  EXPECT_TRUE(l->root.read_only);
  EXPECT_EQ(l->root.layers.size(), 2u);
}

TEST_F(ImageLaunchTest, ImageConfigOverridesAsDockerMerges) {
  fn_.image_command = {"other.handler"};
  fn_.image_working_dir = "/srv";
  auto l = PrepareImageLaunch(images_, fn_, 0);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->argv, (std::vector<std::string>{"/lambda-entrypoint.sh", "other.handler"}));
  EXPECT_EQ(l->working_dir, "/srv");
  // A new EntryPoint drops the image's CMD; a relative one is found on the image's PATH.
  fn_.image_command.clear();
  fn_.image_entrypoint = {"app", "--flag"};
  l = PrepareImageLaunch(images_, fn_, 0);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->argv, (std::vector<std::string>{"/usr/bin/app", "--flag"}));
  EXPECT_EQ(l->handler, "");
  // A PATH directory whose program a higher layer deleted (an overlayfs whiteout) is skipped.
  ::mkdir((tmp_.path() + "/app/usr/local").c_str(), 0755);
  ::mkdir((tmp_.path() + "/app/usr/local/bin").c_str(), 0755);
  ::mkdir((tmp_.path() + "/top").c_str(), 0755);
  ::mkdir((tmp_.path() + "/top/usr").c_str(), 0755);
  ::mkdir((tmp_.path() + "/top/usr/local").c_str(), 0755);
  ::mkdir((tmp_.path() + "/top/usr/local/bin").c_str(), 0755);
  std::ofstream(tmp_.path() + "/app/usr/local/bin/app") << "#!/bin/sh\n";
  if (::mknod((tmp_.path() + "/top/usr/local/bin/app").c_str(), S_IFCHR | 0000, 0) != 0) {
    GTEST_SKIP() << "whiteouts need CAP_MKNOD";
  }
  images_.root.layers.push_back(tmp_.path() + "/top");
  l = PrepareImageLaunch(images_, fn_, 0);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->argv[0], "/usr/bin/app");
}

TEST_F(ImageLaunchTest, WhatCannotStartIsALaunchError) {
  images_.root.entrypoint = {"missing"};
  auto l = PrepareImageLaunch(images_, fn_, 0);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(l.error().message(),
            "Launch error: fork/exec missing: executable file not found in $PATH Entrypoint: "
            "[missing] Cmd: [app.handler] WorkingDir: [/var/task]");
  images_.root.entrypoint.clear();
  images_.root.cmd.clear();
  EXPECT_EQ(PrepareImageLaunch(images_, fn_, 0).error().code(), StatusCode::kFailedPrecondition);
  // An arm64 image for an x86_64 function: exec would fail, as on AWS.
  images_.root.entrypoint = {"/lambda-entrypoint.sh"};
  images_.root.architecture = "arm64";
  l = PrepareImageLaunch(images_, fn_, 0);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message(),
            "Launch error: fork/exec /lambda-entrypoint.sh: exec format error Entrypoint: "
            "[/lambda-entrypoint.sh] Cmd: [] WorkingDir: [/var/task]");
  fn_.architecture = "arm64";
  EXPECT_TRUE(PrepareImageLaunch(images_, fn_, 0).ok());
  // A deleted image is the source's NotFound, for the caller to report.
  fn_.image_uri = "gone";
  EXPECT_EQ(PrepareImageLaunch(images_, fn_, 0).error().code(), StatusCode::kNotFound);
}

TEST_F(ImageLaunchTest, SandboxExecErrorsReadAsGoPrintsThem) {
  ImageLaunch l;
  l.entrypoint = {"/bootstrap"};
  l.cmd = {"h"};
  l.working_dir = "/";
  EXPECT_EQ(ImageLaunchError("execve /bootstrap: No such file or directory", l),
            "Launch error: fork/exec /bootstrap: no such file or directory Entrypoint: "
            "[/bootstrap] Cmd: [h] WorkingDir: [/]");
}

}  // namespace
}  // namespace nimbus::lambda
