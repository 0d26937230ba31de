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
  EXPECT_FALSE(sessions.Redeem(s.session_id, "wrong").start.has_value());
  EXPECT_FALSE(sessions.Redeem("other", s.token).start.has_value());
  auto redeemed = sessions.Redeem(s.session_id, s.token);
  ASSERT_TRUE(redeemed.start.has_value());
  EXPECT_EQ(redeemed.start->task_id, "t1");
  EXPECT_EQ(redeemed.start->argv, V{"/bin/sh"});
  auto again = sessions.Redeem(s.session_id, s.token);
  EXPECT_FALSE(again.start.has_value());
  EXPECT_FALSE(again.live);
  IssuedSession other = sessions.Issue(target);
  EXPECT_NE(other.session_id, s.session_id);
  EXPECT_NE(other.token, s.token);
}

class FakeChannel : public LiveChannel {
 public:
  void Terminate() override { ++terminated; }
  int terminated = 0;
};

TEST(ExecSessions, ResumeGivesANewTokenThatReattachesTheLiveChannel) {
  ExecSessions sessions("ws://h:1", std::chrono::seconds(1200));
  ExecTarget target;
  target.scope = Scope{"111111111111", "us-east-1"};
  target.ssm_target = "ecs:c_t_r";
  IssuedSession s = sessions.Issue(target, "root");
  EXPECT_EQ(s.session_id.rfind("root-", 0), 0u);
  ASSERT_TRUE(sessions.Redeem(s.session_id, s.token).start.has_value());
  auto channel = std::make_shared<FakeChannel>();
  sessions.SetChannel(s.session_id, channel);
  sessions.SetStatus(s.session_id, SessionStatus::kDisconnected);
  EXPECT_FALSE(sessions.Resume(Scope{"222222222222", "us-east-1"}, s.session_id).ok());
  auto resumed = sessions.Resume(target.scope, s.session_id);
  ASSERT_TRUE(resumed.ok());
  EXPECT_NE(resumed->token, s.token);
  EXPECT_EQ(resumed->stream_url, s.stream_url);
  auto live = sessions.Redeem(s.session_id, resumed->token);
  EXPECT_FALSE(live.start.has_value());
  EXPECT_EQ(live.live, channel);
  auto active = sessions.List(target.scope, true);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].status, SessionStatus::kDisconnected);
  EXPECT_EQ(active[0].target, "ecs:c_t_r");
  // TerminateSession reaches the channel; the channel's end makes it history.
  sessions.Terminate(target.scope, s.session_id);
  EXPECT_EQ(channel->terminated, 1);
  EXPECT_EQ(sessions.List(target.scope, true)[0].status, SessionStatus::kTerminating);
  sessions.SetStatus(s.session_id, SessionStatus::kTerminated);
  EXPECT_TRUE(sessions.List(target.scope, true).empty());
  auto history = sessions.List(target.scope, false);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(history[0].end.has_value());
  sessions.Terminate(target.scope, s.session_id);  // idempotent
  EXPECT_EQ(channel->terminated, 1);
  auto ended = sessions.Resume(target.scope, s.session_id);
  ASSERT_TRUE(ended.ok());
  EXPECT_TRUE(ended->token.empty());
}

TEST(ExecSessions, TerminatingAnUnopenedSessionEndsItAndItsToken) {
  ExecSessions sessions("ws://h:1", std::chrono::seconds(1200));
  ExecTarget target;
  IssuedSession s = sessions.Issue(target);
  sessions.Terminate(target.scope, s.session_id);
  EXPECT_FALSE(sessions.Redeem(s.session_id, s.token).start.has_value());
  EXPECT_EQ(sessions.List(target.scope, false).size(), 1u);
}

}  // namespace
}  // namespace nimbus::ecs::exec
