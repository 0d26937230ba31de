#include "services/ecs/exec/exec_sessions.h"

#include <gtest/gtest.h>

namespace nimbus::ecs::exec {
namespace {

using V = std::vector<std::string>;

TEST(SplitCommand, SplitsAsTheAgentDoes) {
  EXPECT_EQ(SplitCommand("ls /"), (V{"ls", "/"}));
  EXPECT_EQ(SplitCommand("  /bin/sh  "), (V{"/bin/sh"}));
  EXPECT_EQ(SplitCommand("sh -c 'echo $HOME | wc'"), (V{"sh", "-c", "echo $HOME | wc"}));
  EXPECT_EQ(SplitCommand("echo \"a \\\"b\\\"\" c\\ d"), (V{"echo", "a \"b\"", "c d"}));
  EXPECT_EQ(SplitCommand("echo 'it'\"'\"'s'"), (V{"echo", "it's"}));
  EXPECT_EQ(SplitCommand("echo ''"), (V{"echo", ""}));
  EXPECT_TRUE(SplitCommand("").empty());
  EXPECT_TRUE(SplitCommand("   ").empty());
  EXPECT_TRUE(SplitCommand("echo 'open").empty());
}

TEST(ExecSessions, TokensAreSingleUse) {
  ExecSessions sessions("ws://127.0.0.1:4566", std::chrono::seconds(1200));
  ExecTarget target;
  target.task_id = "t1";
  target.container = "app";
  target.argv = {"/bin/sh"};
  IssuedSession s = sessions.Issue(target);
  EXPECT_EQ(s.session_id.rfind("ecs-execute-command-", 0), 0u);
  EXPECT_EQ(s.session_id.size(), std::string("ecs-execute-command-").size() + 17);
  EXPECT_EQ(s.stream_url,
            "ws://127.0.0.1:4566/v1/data-channel/" + s.session_id + "?role=publish_subscribe");
  EXPECT_FALSE(sessions.Redeem(s.session_id, "wrong").has_value());
  EXPECT_FALSE(sessions.Redeem("other", s.token).has_value());
  auto redeemed = sessions.Redeem(s.session_id, s.token);
  ASSERT_TRUE(redeemed.has_value());
  EXPECT_EQ(redeemed->task_id, "t1");
  EXPECT_EQ(redeemed->argv, V{"/bin/sh"});
  EXPECT_FALSE(sessions.Redeem(s.session_id, s.token).has_value());
  IssuedSession other = sessions.Issue(target);
  EXPECT_NE(other.session_id, s.session_id);
  EXPECT_NE(other.token, s.token);
}

}  // namespace
}  // namespace nimbus::ecs::exec
