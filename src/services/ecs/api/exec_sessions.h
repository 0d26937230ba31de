// ECS Exec sessions as SSM's Session Manager API reaches them: SSM's StartSession for an ECS
// target ("ecs:<cluster>_<task id>_<runtime id>", what `aws ecs execute-command` passes its
// plugin), ResumeSession, TerminateSession and DescribeSessions act on the same sessions as
// ECS's ExecuteCommand (one registry, one data channel). Published by ECS in
// ServiceLinks::ecs_exec; thread-safe; every call is short and does not block on I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/aws_error.h"
#include "core/status.h"
#include "protocol/call.h"

namespace nimbus::ecs {

class ExecSessionControl {
 public:
  // What StartSession and ResumeSession answer.
  struct Session {
    std::string session_id, token_value, stream_url;  // token and URL empty: the session ended
  };
  // One session as DescribeSessions lists it.
  struct Summary {
    std::string session_id, target, owner, document, status;
    std::chrono::system_clock::time_point start;
    std::optional<std::chrono::system_clock::time_point> end;
  };

  virtual ~ExecSessionControl() = default;

  // A session running `command` (split as ExecuteCommand's; empty: a shell) in the container
  // an ECS target names, started with execute command enabled and RUNNING;
  // TargetNotConnected when the target is malformed, unknown to the caller or not reachable,
  // InvalidParameters for a command that is malformed (an unterminated quote).
  virtual Result<Session, AwsError> Start(const CallContext& call, const std::string& target,
                                          const std::string& document,
                                          const std::string& command) = 0;
  // A new token for a session of the caller's that has not ended (the id alone for one that
  // ended); DoesNotExistException for an unknown one.
  virtual Result<Session, AwsError> Resume(const CallContext& call,
                                           const std::string& session_id) = 0;
  // Ends a session of the caller's; nothing for one that ended or is unknown.
  virtual void Terminate(const CallContext& call, const std::string& session_id) = 0;
  // The caller's sessions that have not ended (`active`) or have.
  virtual std::vector<Summary> List(const CallContext& call, bool active) = 0;
};

}  // namespace nimbus::ecs
