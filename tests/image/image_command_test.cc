// How an image's ENTRYPOINT/CMD merge with a caller's (moby's rules) and where the program is
// found in the image's layers.
#include "image/image_command.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>

#include "store/temp_dir.h"

namespace nimbus::image {
namespace {

using Strings = std::vector<std::string>;

TEST(ImageCommandTest, MergesAsMobyDoes) {
  const Strings ep = {"/bin/sh", "-c"}, cmd = {"echo hi"};
  EXPECT_EQ(MergeCommand(ep, cmd, std::nullopt, std::nullopt).argv(),
            (Strings{"/bin/sh", "-c", "echo hi"}));
  // command replaces CMD only.
  EXPECT_EQ(MergeCommand(ep, cmd, std::nullopt, Strings{"echo yo"}).argv(),
            (Strings{"/bin/sh", "-c", "echo yo"}));
  // An empty command keeps the image's CMD.
  EXPECT_EQ(MergeCommand(ep, cmd, std::nullopt, Strings{}).argv(),
            (Strings{"/bin/sh", "-c", "echo hi"}));
  // entryPoint drops the image's CMD: only the definition's command follows it.
  EXPECT_EQ(MergeCommand(ep, cmd, Strings{"/app"}, std::nullopt).argv(), (Strings{"/app"}));
  EXPECT_EQ(MergeCommand(ep, cmd, Strings{"/app"}, Strings{"-v"}).argv(), (Strings{"/app", "-v"}));
  // An explicitly empty entryPoint clears the image's ENTRYPOINT.
  EXPECT_EQ(MergeCommand(ep, cmd, Strings{}, Strings{"/bin/true"}).argv(), (Strings{"/bin/true"}));
  EXPECT_EQ(MergeCommand({}, {}, std::nullopt, std::nullopt).argv(), Strings{});
}

TEST(ImageCommandTest, ResolvesExecutablesInTheImageLayers) {
  store::testing::TempDir dir;
  std::string lower = dir.path() + "/lower", upper = dir.path() + "/upper";
  for (const auto& d : {lower + "/bin", lower + "/usr/bin", upper + "/usr/bin", lower + "/srv"}) {
    ASSERT_EQ(::system(("mkdir -p " + d).c_str()), 0);
  }
  std::ofstream(lower + "/bin/sh") << "x";
  std::ofstream(lower + "/usr/bin/gone") << "x";
  std::ofstream(lower + "/srv/run") << "x";
  ASSERT_EQ(::mknod((upper + "/usr/bin/gone").c_str(), S_IFCHR | 0600, makedev(0, 0)), 0)
      << "needs root (whiteout device)";
  Strings layers = {lower, upper};
  EXPECT_EQ(*ResolveExecutable(layers, "sh", "/usr/bin:/bin", "/"), "/bin/sh");
  EXPECT_EQ(*ResolveExecutable(layers, "/bin/sh", "", "/"), "/bin/sh");
  EXPECT_EQ(*ResolveExecutable(layers, "./run", "", "/srv"), "/srv/./run");
  auto hidden = ResolveExecutable(layers, "gone", "/usr/bin", "/");
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().message(), "exec: \"gone\": executable file not found in $PATH");
  auto missing = ResolveExecutable(layers, "/nope", "/bin", "/");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "exec: \"/nope\": stat /nope: no such file or directory");
  EXPECT_FALSE(ResolveExecutable(layers, "bin", "/", "/").ok());  // a directory
}

TEST(ImageCommandTest, SeesTheContainersBindMountsAsExecDoes) {
  store::testing::TempDir dir;
  std::string layer = dir.path() + "/layer", outer = dir.path() + "/outer",
              inner = dir.path() + "/inner";
  for (const auto& d : {layer + "/opt/tools/bin", outer + "/tools/bin", inner + "/bin"}) {
    ASSERT_EQ(::system(("mkdir -p " + d).c_str()), 0);
  }
  std::ofstream(layer + "/opt/tools/bin/old") << "x";  // hidden by the mount over /opt
  std::ofstream(outer + "/tools/bin/outer") << "x";
  std::ofstream(inner + "/bin/tool") << "x";
  Strings layers = {layer};
  std::vector<MountedDir> mounts = {{outer, "/opt"}, {inner, "/opt/tools"}};
  EXPECT_EQ(*ResolveExecutable(layers, "/opt/tools/bin/tool", "", "/", mounts),
            "/opt/tools/bin/tool");
  EXPECT_EQ(*ResolveExecutable(layers, "tool", "/usr/bin:/opt/tools/bin", "/", mounts),
            "/opt/tools/bin/tool");
  // The innermost mount has the say: /opt's own tools/bin is under /opt/tools's mount.
  EXPECT_FALSE(ResolveExecutable(layers, "/opt/tools/bin/outer", "", "/", mounts).ok());
  EXPECT_FALSE(ResolveExecutable(layers, "/opt/tools/bin/old", "", "/", mounts).ok());
  EXPECT_EQ(*ResolveExecutable(layers, "/opt/tools/bin/old", "", "/"), "/opt/tools/bin/old");
  EXPECT_FALSE(ResolveExecutable(layers, "/opt/tools/bin", "", "/", mounts).ok());  // a dir
}

}  // namespace
}  // namespace nimbus::image
