// ECS Exec sessions between ExecuteCommand and the client's connection to the session's
// streamUrl: what each session runs where, behind a single-use token. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/kit/scope.h"

namespace nimbus::ecs::exec {

// What one session runs: the command (split as the agent splits it) in a task's container.
struct ExecTarget {
  Scope scope;
  std::string cluster, task_id, container;
  std::vector<std::string> argv;
};

struct IssuedSession {
  std::string session_id;  // "ecs-execute-command-<17 hex>"
  std::string token;       // the tokenValue
  std::string stream_url;  // ws://host:port/v1/data-channel/<session id>?role=publish_subscribe
};

class ExecSessions {
 public:
  using Clock = std::chrono::steady_clock;
  // `base_url` is "ws://host:port" (nimbus's main port); `idle_timeout` ends a session nothing
  // went through for that long (AWS: 20 minutes).
  ExecSessions(std::string base_url, std::chrono::seconds idle_timeout)
      : base_url_(std::move(base_url)), idle_timeout_(idle_timeout) {}

  // A new session for `target`; its token may be redeemed once, within kRedeemWindow.
  IssuedSession Issue(ExecTarget target);
  // The target of session `session_id` if `token` is its token and was not redeemed yet (it is
  // redeemed now); nullopt otherwise (unknown, expired, redeemed or wrong token).
  std::optional<ExecTarget> Redeem(const std::string& session_id, const std::string& token);

  std::chrono::seconds idle_timeout() const { return idle_timeout_; }

  static constexpr std::chrono::minutes kRedeemWindow{10};

 private:
  struct Pending {
    std::string token;
    ExecTarget target;
    Clock::time_point issued;
  };
  void ForgetExpiredLocked(Clock::time_point now);

  std::string base_url_;
  std::chrono::seconds idle_timeout_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // by session id
};

// Splits a command as the agent does: on blanks, with '...' and "..." quoting and backslash
// escapes; no shell (no variables, pipes or globs: wrap those in `sh -c "..."`). Empty when the
// command holds nothing or an unterminated quote.
std::vector<std::string> SplitCommand(const std::string& command);

}  // namespace nimbus::ecs::exec
