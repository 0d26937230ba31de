// SSM (model "ssm", json 1.1): Session Manager's StartSession, ResumeSession, TerminateSession
// and DescribeSessions for ECS targets ("ecs:<cluster>_<task id>_<runtime id>"), over ECS
// Exec's sessions (ecs/api/exec_sessions.h), so session-manager-plugin and SDKs find the calls
// `aws ecs execute-command` and `aws ssm start-session` need. nimbus has no managed instances:
// another target answers TargetNotConnected, as AWS does for an instance with no agent
// connected. Every other SSM operation answers 501 naming it.
#pragma once

#include "services/kit/service.h"

namespace nimbus::ssm {

// Built after ECS, whose ServiceLinks::ecs_exec it uses (without it every target is not
// connected).
ServiceFactory SsmService();

}  // namespace nimbus::ssm
