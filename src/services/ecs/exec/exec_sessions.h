// ECS Exec sessions from ExecuteCommand (or SSM StartSession) to their end: what each session
// runs where, the single-use tokens that open (or, after SSM ResumeSession, reopen) its
// streamUrl, the live channel TerminateSession reaches, and the status and dates
// DescribeSessions lists (ended sessions are kept as history, the newest kMaxHistory).
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "services/kit/scope.h"

namespace nimbus::ecs::exec {

// What one session runs: the command (split as the agent splits it) in a task's container.
struct ExecTarget {
  Scope scope;
  std::string cluster, task_id, container;
  std::vector<std::string> argv;
  std::string ssm_target;  // SSM's name of it: "ecs:<cluster>_<task id>_<runtime id>"
  std::string owner;       // the ARN of who started it
  std::string document;    // StartSession's DocumentName ("" for ExecuteCommand)
};

struct IssuedSession {
  std::string session_id;  // "ecs-execute-command-<17 hex>" (ExecuteCommand) or "<who>-<17 hex>"
  std::string token;       // the tokenValue
  std::string stream_url;  // ws://host:port/v1/data-channel/<session id>?role=publish_subscribe
};

// SSM's session statuses.
enum class SessionStatus { kConnecting, kConnected, kDisconnected, kTerminating, kTerminated };
const char* StatusName(SessionStatus status);

// A started session's channel (data_channel.cc), as TerminateSession reaches it.
class LiveChannel {
 public:
  virtual ~LiveChannel() = default;
  // Ends the command and the channel. Thread-safe, non-blocking, idempotent.
  virtual void Terminate() = 0;
};

// One session as DescribeSessions shows it.
struct SessionInfo {
  std::string session_id, target, owner, document;
  SessionStatus status = SessionStatus::kConnecting;
  std::chrono::system_clock::time_point start;
  std::optional<std::chrono::system_clock::time_point> end;
};

class ExecSessions {
 public:
  using Clock = std::chrono::steady_clock;
  // `base_url` is "ws://host:port" (nimbus's main port); `idle_timeout` ends a session nothing
  // went through for that long (AWS: 20 minutes).
  ExecSessions(std::string base_url, std::chrono::seconds idle_timeout)
      : base_url_(std::move(base_url)), idle_timeout_(idle_timeout) {}

  // A new session for `target` named "<id_prefix>-<17 hex>"; its token may be redeemed once,
  // within kRedeemWindow.
  IssuedSession Issue(ExecTarget target, const std::string& id_prefix = "ecs-execute-command");

  // What a token opens: a session to start (its target), or a live one to reattach to.
  struct Redeemed {
    std::optional<ExecTarget> start;
    std::shared_ptr<LiveChannel> live;
  };
  // Redeems `token` for session `session_id` (single use). Both members empty when the token is
  // unknown, expired, used or wrong, or the session ended.
  Redeemed Redeem(const std::string& session_id, const std::string& token);
  // The channel of session `session_id`, which its first redeemer started.
  void SetChannel(const std::string& session_id, std::weak_ptr<LiveChannel> channel);
  // Its channel's state: kConnected, kDisconnected, or kTerminated once it has ended.
  void SetStatus(const std::string& session_id, SessionStatus status);

  // SSM ResumeSession: a new single-use token (and the streamUrl) for a session of `scope`
  // that has not ended; the session id alone (no token) for one that ended; NotFound for a
  // session `scope` does not have.
  Result<IssuedSession> Resume(const Scope& scope, const std::string& session_id);
  // SSM TerminateSession: ends the session (its channel's command is killed); nothing for one
  // that ended or is unknown (AWS answers it alike).
  void Terminate(const Scope& scope, const std::string& session_id);
  // SSM DescribeSessions: the sessions of `scope` that have not ended (`active`) or have.
  std::vector<SessionInfo> List(const Scope& scope, bool active);

  std::chrono::seconds idle_timeout() const { return idle_timeout_; }

  static constexpr std::chrono::minutes kRedeemWindow{10};
  static constexpr size_t kMaxHistory = 1000;

 private:
  struct Session {
    ExecTarget target;
    SessionInfo info;
    std::string token;  // "" once redeemed
    Clock::time_point token_issued;
    bool started = false;
    std::weak_ptr<LiveChannel> channel;
  };
  std::string NewToken(Session& s);
  void EndLocked(Session& s);
  void TrimHistoryLocked();  // drops the oldest ended sessions past kMaxHistory
  void ForgetExpiredLocked(Clock::time_point now);

  std::string base_url_;
  std::chrono::seconds idle_timeout_;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;  // by session id
  size_t ended_ = 0;                         // how many of them ended
};

// Splits a command as the agent does: on blanks, with '...' and "..." quoting and backslash
// escapes; no shell (no variables, pipes or globs: wrap those in `sh -c "..."`). Empty when the
// command holds nothing or an unterminated quote.
std::vector<std::string> SplitCommand(const std::string& command);

}  // namespace nimbus::ecs::exec
