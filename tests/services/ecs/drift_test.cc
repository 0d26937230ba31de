#include "services/ecs/cli/drift.h"

#include <gtest/gtest.h>

#include <sstream>

namespace nimbus::ecs::cli {
namespace {

Value Task(const std::string& id, Value containers) {
  return {{"taskArn", "arn:aws:ecs:us-east-1:000000000000:task/c/" + id},
          {"containers", std::move(containers)}};
}

Value Container(const std::string& name, const std::string& image, const std::string& digest) {
  Value c = {{"name", name}, {"image", image}};
  if (!digest.empty()) c["imageDigest"] = digest;
  return c;
}

TEST(EcsDriftTest, ListsContainersWhoseTagMovedGroupedByRunningDigest) {
  Value tasks = Value::array({
      Task("t1",
           {Container("app", "r/demo:1", "sha256:a"), Container("side", "r/s:1", "sha256:s")}),
      Task("t2", {Container("app", "r/demo:1", "sha256:a")}),
      Task("t3", {Container("app", "r/demo:1", "sha256:b"), Container("new", "r/demo:1", "")}),
      Task("t4", {Container("app", "docker.io/x:1", "sha256:x")}),
  });
  int asked = 0;
  auto current = [&](const std::string& image) -> std::optional<TagNow> {
    ++asked;
    if (image == "r/demo:1") return TagNow{"sha256:b", 1700000000};
    if (image == "r/s:1") return TagNow{"sha256:s", 1};
    return std::nullopt;  // another registry: cannot tell
  };
  auto rows = FindDrift("c", "web", tasks, current);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cluster, "c");
  EXPECT_EQ(rows[0].service, "web");
  EXPECT_EQ(rows[0].container, "app");
  EXPECT_EQ(rows[0].image, "r/demo:1");
  EXPECT_EQ(rows[0].running_digest, "sha256:a");
  EXPECT_EQ(rows[0].current_digest, "sha256:b");
  EXPECT_EQ(rows[0].pushed_at, 1700000000);
  EXPECT_EQ(rows[0].tasks, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(asked, 5);  // a container that has not started yet is not asked about
}

TEST(EcsDriftTest, UsageErrorsExitTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(RunDrift({"--output", "yaml"}, out, err), 2);
  EXPECT_NE(err.str().find("usage: nimbus ecs drift"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::ecs::cli
