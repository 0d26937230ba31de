// How a container's environment is made from its image's and its task definition's.
#include "services/ecs/runtime/container_command.h"

#include <gtest/gtest.h>

namespace nimbus::ecs {
namespace {

using Strings = std::vector<std::string>;

TEST(ContainerCommandTest, EnvironmentLaterSourcesWinAndPathDefaults) {
  Value def = Value::parse(R"([{"name":"A","value":"def"},{"name":"B","value":"def"}])");
  Value ov = Value::parse(R"([{"name":"B","value":"run"}])");
  auto env = MergeEnvironment({"A=img", "C=img=x"}, {&def, &ov, nullptr}, {"D=rt"});
  EXPECT_EQ(env, (Strings{"A=def", "C=img=x",
                          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "B=run", "D=rt"}));
  EXPECT_EQ(EnvValue(env, "C"), "img=x");
  EXPECT_EQ(EnvValue(env, "E"), "");
  EXPECT_EQ(EnvValue(MergeEnvironment({"PATH=/x"}, {}, {}), "PATH"), "/x");
}

}  // namespace
}  // namespace nimbus::ecs
